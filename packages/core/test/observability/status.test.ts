import { generateSigningKey, startJwksServer } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import {
  createResourceServer,
  hybridResolver,
  introspectionResolver,
  jwtResolver,
  remoteJwks,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, ISSUER, mint, NOW_MS } from '../helpers.js';
import { startStandInServer } from '../stand-in-authorization-server.js';

describe('status()', () => {
  it('reports JWK sets, introspection, cache and replay store, and a readiness verdict, never the secret', async () => {
    const key = await generateSigningKey('ES256', 'k1');
    const jwks = await startJwksServer({ keys: [key.publicJwk] });
    let up = false;
    const standIn = await startStandInServer(() =>
      up ? { json: { active: false } } : { status: 503, json: {} },
    );
    let now = NOW_MS;
    try {
      const rs = createResourceServer({
        resolver: hybridResolver({
          jwt: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: remoteJwks({ url: jwks.url }) }),
          opaque: tokenCache(
            introspectionResolver({
              endpoint: standIn.introspectionEndpoint,
              clientAuthentication: {
                method: 'client_secret_basic',
                clientId: 'rs',
                clientSecret: 's3cr3t-value',
              },
              acceptAnyAudience: true,
              retries: 0,
              onError: () => {},
            }),
          ),
        }),
        dpop: true,
        clock: () => now,
      });
      // Nothing fetched yet: no keys, so not ready.
      expect(rs.status()).toMatchObject({ ready: false, time: NOW_MS });
      expect(rs.status().dependencies.map((d) => d.kind)).toEqual([
        'jwk-set',
        'token-cache',
        'introspection',
        'replay-store',
      ]);

      await rs.authenticate(bearerRequest(await mint(key)));
      await rs.authenticate(bearerRequest('opaque-1'));
      now += 5_000;
      const failing = rs.status();
      expect(failing.ready).toBe(false);
      expect(failing.dependencies).toEqual([
        {
          kind: 'jwk-set',
          ready: true,
          url: jwks.url,
          keys: 1,
          fetches: 1,
          failures: 0,
          lastFetchAt: NOW_MS,
          ageMs: 5_000,
        },
        expect.objectContaining({
          kind: 'token-cache',
          ready: true,
          hits: 0,
          misses: 1,
          storeFailing: false,
        }),
        {
          kind: 'introspection',
          ready: false,
          endpoint: standIn.introspectionEndpoint,
          calls: 1,
          failures: 1,
          lastFailureAt: NOW_MS,
          lastError: `ERR_RS_INTROSPECTION_UNAVAILABLE: ${standIn.introspectionEndpoint} answered HTTP 503`,
        },
        { kind: 'replay-store', ready: true, failures: 0 },
      ]);
      // Not ready for 10 s at most without a later success: only a request can ask the endpoint again,
      // so a readiness probe that kept traffic away meanwhile would otherwise keep it away for good.
      now += 5_000;
      expect(rs.status().dependencies[2]).toMatchObject({ kind: 'introspection', ready: true, failures: 1 });
      expect(rs.status().ready).toBe(true);

      up = true;
      await rs.authenticate(bearerRequest('opaque-2'));
      const recovered = rs.status();
      expect(recovered.ready).toBe(true);
      expect(recovered.dependencies[2]).toMatchObject({
        ready: true,
        calls: 2,
        failures: 1,
        lastSuccessAt: now,
      });
      expect(JSON.stringify(recovered)).not.toContain('s3cr3t-value');
    } finally {
      await standIn.close();
      await jwks.close();
    }
  });

  it('reports a JWK set that cannot be fetched, with the error code and not the cause', async () => {
    const rs = createResourceServer({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: 'http://127.0.0.1:9/k' }),
      }),
      clock: () => NOW_MS,
    });
    const key = await generateSigningKey('ES256', 'k1');
    await rs.authenticate(bearerRequest(await mint(key)));
    const [jwks] = rs.status().dependencies;
    expect(jwks).toMatchObject({
      kind: 'jwk-set',
      ready: false,
      fetches: 1,
      failures: 1,
    });
    // When the fetch failed: its start on the request clock, plus the real time it took.
    expect((jwks as { lastFailureAt: number }).lastFailureAt).toBeGreaterThanOrEqual(NOW_MS);
    expect((jwks as { lastFailureAt: number }).lastFailureAt).toBeLessThan(NOW_MS + 60_000);
    expect(jwks).not.toHaveProperty('lastFetchAt');
    expect((jwks as { lastError: string }).lastError).toMatch(/^ERR_RS_HTTP/);
  });
});
