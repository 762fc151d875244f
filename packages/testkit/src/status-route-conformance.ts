import { createResourceServer, jwtResolver, type ResourceServer, remoteJwks } from '@rs/core';
import { describe, expect, it } from 'vitest';
import { startJwksServer } from './jwks-server.js';
import { generateSigningKey, jwksOf } from './keys.js';
import { mintToken } from './tokens.js';

/** What an adapter's health route answered, read back by its test. */
export interface StatusRouteAnswer {
  /** The HTTP status. */
  readonly status: number;
  /** The `Content-Type` header, if sent. */
  readonly contentType: string | undefined;
  /** The `Cache-Control` header, if sent. */
  readonly cacheControl: string | undefined;
  /** The body, parsed as JSON by the test. */
  readonly body: unknown;
}

/**
 * Mounts the adapter's status handler for `resourceServer` and returns a function that calls it once.
 * Given `close` is awaited at the end.
 */
export type StatusRouteDriver = (
  resourceServer: ResourceServer,
) => Promise<{ call(): Promise<StatusRouteAnswer>; close?(): Promise<void> }>;

const ISSUER = 'https://as.status.test';
const AUDIENCE = 'https://api.status.test';

/**
 * The health-route case every adapter runs: a resource server whose JWK set comes from a real JWKS
 * server on loopback answers 503 (JSON, not cached) until the set is fetched, 200 once it is.
 */
export function runStatusRouteConformance(name: string, mount: StatusRouteDriver): void {
  describe(`${name} status handler`, () => {
    it("answers the resource server's status: 503 until the JWK set is held, then 200", async () => {
      const key = await generateSigningKey('ES256', 'k1');
      const jwks = await startJwksServer(jwksOf(key));
      const resourceServer = createResourceServer({
        resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: remoteJwks({ url: jwks.url }) }),
      });
      const route = await mount(resourceServer);
      try {
        const before = await route.call();
        expect(before.status).toBe(503);
        expect(before.contentType).toMatch(/^application\/json/);
        expect(before.cacheControl).toBe('no-store');
        expect(before.body).toMatchObject({
          ready: false,
          dependencies: [{ kind: 'jwk-set', ready: false, keys: 0, url: jwks.url }],
        });

        const token = await mintToken(key, { issuer: ISSUER, audience: AUDIENCE });
        const headers = { authorization: `Bearer ${token}` };
        const result = await resourceServer.authenticate({ method: 'GET', url: `${AUDIENCE}/x`, headers });
        expect(result.ok).toBe(true);
        const after = await route.call();
        expect(after.status).toBe(200);
        expect(after.body).toMatchObject({
          ready: true,
          dependencies: [{ kind: 'jwk-set', ready: true, keys: 1 }],
        });
      } finally {
        await route.close?.();
        await jwks.close();
      }
    });
  });
}
