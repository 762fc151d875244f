import { generateSigningKey, jwksOf, mintToken, sendHttp, startJwksServer } from '@rs/testkit';
import { describe, expect, it, vi } from 'vitest';
import { runtimeCases } from './support/runtime-cases.js';
import { freePort, startRuntime } from './support/runtime-process.js';

runtimeCases('workerd', 'fetch', { pureCore: true });
runtimeCases('workerd', 'hono');
// The Worker bundled from @rs/fetch/lite and @rs/core/lite alone.
runtimeCases('workerd', 'fetch-lite', { pureCore: true, lite: true });
// The same Workers with the app built at module scope, as the README examples write them: there the
// clock stands at 0 and random values may not be drawn, and a factory that reads either keeps the Worker
// from starting.
runtimeCases('workerd', 'fetch', { pureCore: true, moduleScope: true });
runtimeCases('workerd', 'hono', { moduleScope: true });
runtimeCases('workerd', 'fetch-lite', { pureCore: true, lite: true, moduleScope: true });

describe("workerd's default outbound network", () => {
  it('refuses to connect to loopback, so keys cannot be fetched: 503 without a challenge, fail closed', async () => {
    const key = await generateSigningKey('ES256');
    const jwks = await startJwksServer(jwksOf(key));
    const port = await freePort();
    const app = await startRuntime(
      'workerd',
      'fetch',
      {
        issuer: 'https://as.runtime.test',
        audience: 'https://api.runtime.test',
        jwksUri: jwks.url,
        // Never asked: only the JWT route is called.
        introspection: {
          endpoint: 'http://127.0.0.1:9/introspect',
          issuer: 'https://as.runtime.test',
          audience: 'https://api.runtime.test',
          clientId: 'rs',
          clientSecret: 'unused',
        },
        publicUrl: `http://127.0.0.1:${port}`,
      },
      port,
      { workerdOutbound: 'default' },
    );
    try {
      const token = await mintToken(
        key,
        { issuer: 'https://as.runtime.test', audience: 'https://api.runtime.test' },
        {
          scope: 'read',
        },
      );
      const response = await sendHttp(app.url, {
        method: 'GET',
        path: '/jwt/items',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(response.status).toBe(503);
      expect(response.headers['www-authenticate']).toBeUndefined();
      expect(jwks.requests).toBe(0);
      // workerd says why, on its own log.
      await vi.waitFor(() => expect(app.output()).toMatch(/connecting to 127\.0\.0\.1:\d+ is not allowed/));
    } finally {
      await app.close();
      await jwks.close();
    }
  });
});
