import { type JwksServer, startJwksServer, type TestSigningKey } from '@rs/testkit';
import { afterEach, vi } from 'vitest';
import {
  type AccessTokenResolver,
  jwtResolver,
  type RemoteJwks,
  type RemoteJwksOptions,
  remoteJwks,
} from '../src/index.js';
import { AUDIENCE, ISSUER, mint, NOW_S, withKid } from './helpers.js';

/** A JWK set server on loopback, a remote JWK set reading it, a JWT resolver over that, and the hook's reports. */
export interface RemoteJwksSetup {
  readonly server: JwksServer;
  readonly keys: RemoteJwks;
  readonly resolver: AccessTokenResolver;
  readonly errors: Error[];
}

/**
 * For one test file: returns `setup(document, options)`, which serves `document` and builds a remote JWK
 * set over it with `defaults` and `options`; the servers are closed after each test.
 */
export function remoteJwksFixture(
  defaults: Partial<RemoteJwksOptions> = {},
): (document: unknown, options?: Partial<RemoteJwksOptions>) => Promise<RemoteJwksSetup> {
  const servers: JwksServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((server) => server.close()));
  });
  return async (document, options = {}) => {
    const server = await startJwksServer(document);
    servers.push(server);
    const errors: Error[] = [];
    const keys = remoteJwks({
      url: server.url,
      onFetchError: (error) => errors.push(error),
      ...defaults,
      ...options,
    });
    return { server, keys, resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }), errors };
  };
}

/** `count` tokens signed by `key`, each under a random `kid` no JWK set holds; valid for a day. */
export function randomKidTokens(key: TestSigningKey, count: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: count }, () =>
      mint(withKid(key, `random-${crypto.randomUUID()}`), { exp: NOW_S + 86_400 }),
    ),
  );
}

/**
 * Waits until `assertion` holds: for the effect of a refresh running in the background. Generous, since
 * a loaded machine is slow; a refresh that never completes still fails the test.
 */
export function eventually(assertion: () => void): Promise<void> {
  return vi.waitFor(assertion, { timeout: 10_000, interval: 10 });
}
