import { type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { beforeAll, expect, it } from 'vitest';
import { createHonoResourceServer } from '../src/index.js';
import { serveOnLoopback } from './support/loopback.js';

// A browser sends a CORS preflight (RFC 9110 OPTIONS, with `Origin` and `Access-Control-Request-Method`)
// without the Authorization header, before every cross-origin request that carries one. The middleware
// protects every method it is mounted on, OPTIONS included: a CORS middleware mounted before it answers
// the preflight, and the request that follows is still decided.
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const ORIGIN = 'https://app.example.test';
const PREFLIGHT = {
  origin: ORIGIN,
  'access-control-request-method': 'GET',
  'access-control-request-headers': 'authorization',
};

it('lets hono/cors, mounted before protect, answer the preflight; the real request is still decided', async () => {
  const rs = createHonoResourceServer({ resolver: issuer.resolver });
  const app = new Hono();
  app.use('*', cors({ origin: ORIGIN, exposeHeaders: ['WWW-Authenticate'] }));
  app.use('/api/*', rs.protect());
  app.all('/api/items', (c) => c.json({ method: c.req.method }));
  const served = await serveOnLoopback(app);
  try {
    const preflight = await fetch(served.url('/api/items'), { method: 'OPTIONS', headers: PREFLIGHT });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');

    // The 401 carries the CORS headers, so the browser lets the client read it and its WWW-Authenticate.
    const refused = await fetch(served.url('/api/items'), { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/);

    const token = await issuer.mint({});
    const accepted = await fetch(served.url('/api/items'), {
      headers: { origin: ORIGIN, authorization: `Bearer ${token}` },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  } finally {
    await served.close();
  }
});

it('decides an OPTIONS request that no CORS middleware answered, as any other method', async () => {
  const rs = createHonoResourceServer({ resolver: issuer.resolver });
  const app = new Hono();
  // Mounted after protect, the CORS middleware never sees the preflight: the order is the application's.
  app.use('/api/*', rs.protect());
  app.use('*', cors({ origin: ORIGIN }));
  let reached = 0;
  app.all('/api/items', (c) => {
    reached += 1;
    return c.json({ method: c.req.method });
  });
  const served = await serveOnLoopback(app);
  try {
    for (const headers of [PREFLIGHT, {}]) {
      const answer = await fetch(served.url('/api/items'), { method: 'OPTIONS', headers });
      expect(answer.status).toBe(401);
      expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
    }
    expect(reached).toBe(0);
  } finally {
    await served.close();
  }
});
