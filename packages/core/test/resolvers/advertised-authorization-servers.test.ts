// protectedResource.authorizationServers tells clients where to get tokens for this API (RFC 9728). An
// issuer the resolver refuses (another server, or its own spelt otherwise: a trailing slash) would send
// every client there for tokens refused with issuer_mismatch, so it is refused at start-up, wherever the
// resolver says which issuers it accepts.
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, expectConfigError, ISSUER } from '../helpers.js';

const OTHER = 'https://other.example.com';

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
});

const jwt = (issuer: string | string[] = ISSUER) =>
  jwtResolver({ issuer, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
const serverAdvertising = (resolver: ReturnType<typeof jwt>, authorizationServers: string[]) => () =>
  createResourceServer({ resolver, protectedResource: { resource: AUDIENCE, authorizationServers } });

describe('an advertised authorization server the resolver refuses', () => {
  it.each([
    ['another server', [OTHER], 0],
    ['its issuer with a trailing slash', [`${ISSUER}/`], 0],
    ['one among several', [ISSUER, OTHER], 1],
  ])('is refused: %s', (_name, servers, index) => {
    const error = expectConfigError(
      serverAdvertising(jwt(), servers),
      `protectedResource.authorizationServers[${index}]`,
    );
    expect(error.message).toContain(`"${servers[index]}" is no issuer the resolver accepts ("${ISSUER}")`);
    expect(error.message).toContain('issuer_mismatch');
  });

  it('is refused behind a token cache, which answers as the resolver it wraps', () => {
    expectConfigError(
      serverAdvertising(tokenCache(jwt()), [OTHER]),
      'protectedResource.authorizationServers[0]',
    );
  });
});

describe('advertised authorization servers that can be right', () => {
  it('accepts the issuers the resolver accepts, in any order', () => {
    expect(serverAdvertising(jwt(), [ISSUER])).not.toThrow();
    expect(serverAdvertising(jwt([ISSUER, OTHER]), [OTHER, ISSUER])).not.toThrow();
  });

  it('leaves alone resolvers that do not say which issuers they accept', () => {
    const introspection = introspectionResolver({
      endpoint: 'https://as.example.com/introspect',
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      acceptAnyAudience: true,
    });
    expect(serverAdvertising(introspection, [OTHER])).not.toThrow();
    const router = issuerRouter({ issuers: { [ISSUER]: jwt(), [OTHER]: jwt(OTHER) } });
    expect(serverAdvertising(router, [ISSUER, OTHER])).not.toThrow();
  });
});
