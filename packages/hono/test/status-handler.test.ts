import { createResourceServer } from '@rs/core';
import { runStatusRouteConformance, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { expect, it } from 'vitest';
import { createHonoResourceServer, statusHandler } from '../src/index.js';
import { serveOnLoopback } from './support/loopback.js';

runStatusRouteConformance('Hono (@hono/node-server)', async (resourceServer) => {
  const app = new Hono();
  app.get('/health/auth', statusHandler(resourceServer));
  const served = await serveOnLoopback(app);
  return {
    async call() {
      const response = await fetch(served.url('/health/auth'));
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        cacheControl: response.headers.get('cache-control') ?? undefined,
        body: await response.json(),
      };
    },
    close: () => served.close(),
  };
});

it('keeps the headers middleware before it set, next to a resource server shared with protect', async () => {
  const issuer = await testIssuer();
  const resourceServer = createResourceServer({ resolver: issuer.resolver });
  const rs = createHonoResourceServer({ resourceServer });
  const app = new Hono();
  app.use('*', cors({ origin: 'https://ops.example.test' }));
  app.get('/health/auth', statusHandler(resourceServer));
  app.get('/items', rs.protect(), (c) => c.json([]));
  const served = await serveOnLoopback(app);
  try {
    const response = await fetch(served.url('/health/auth'), {
      headers: { origin: 'https://ops.example.test' },
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://ops.example.test');
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toMatchObject({ ready: true });
    expect((await fetch(served.url('/items'))).status).toBe(401);
  } finally {
    await served.close();
  }
});
