import { generateSigningKey, jwksOf } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import {
  introspectionResolver,
  issuerJwks,
  jwtResolver,
  remoteJwks,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

// Options that another factory of @rs names otherwise: too far apart in spelling for the nearest-name
// hint, so a newcomer who carried one over was told only "unknown option".
const URL = 'https://as.example.com/jwks';
const CLIENT = { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' } as const;

function expectPointedAt(build: () => unknown, option: string, meant: string): void {
  const error = expectConfigError(build, option);
  expect(error.problem).toBe(`unknown option; did you mean "${meant}"?`);
}

describe('an option another factory of @rs names otherwise is pointed at this factory’s name', () => {
  it('points remoteJwks({ onError }) and issuerJwks({ onError }) at onFetchError', () => {
    const onError = () => undefined;
    expectPointedAt(() => remoteJwks({ url: URL, onError } as never), 'remoteJwks.onError', 'onFetchError');
    expectPointedAt(
      () => issuerJwks({ issuer: ISSUER, onError } as never),
      'issuerJwks.onError',
      'onFetchError',
    );
  });

  it('points the error hooks of the other factories at theirs', async () => {
    const onFetchError = () => undefined;
    expectPointedAt(
      () =>
        introspectionResolver({
          endpoint: 'https://as.example.com/introspect',
          acceptAnyAudience: true,
          clientAuthentication: CLIENT,
          onFetchError,
        } as never),
      'introspectionResolver.onFetchError',
      'onError',
    );
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(await generateSigningKey('ES256'))),
    });
    expectPointedAt(
      () => tokenCache(resolver, { onError: onFetchError } as never),
      'tokenCache.onError',
      'onStoreError',
    );
  });

  it('points a token cache’s ttl at cacheMaxAge, and a timeout name of the stores at timeout', () => {
    expectPointedAt(() => remoteJwks({ url: URL, ttl: 60_000 } as never), 'remoteJwks.ttl', 'cacheMaxAge');
    expectPointedAt(
      () => remoteJwks({ url: URL, commandTimeout: 1_000 } as never),
      'remoteJwks.commandTimeout',
      'timeout',
    );
  });
});
