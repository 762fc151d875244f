import { expectRefusalOverEarlierHeaders, type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { cors } from 'hono/cors';
import { beforeAll, describe, it } from 'vitest';
import { createHonoResourceServer } from '../src/index.js';
import { serveOnLoopback } from './support/loopback.js';

// Hono's `c.res` setter copies the headers earlier middleware put on `c.res` over the Response a
// middleware returns. CORS headers must come through that way (a browser reads the 401 only with them),
// but core's own must not be replaced: a whole-app `Cache-Control: public` would let a shared cache keep
// the 401 or 403 and serve it to other clients, and another scheme's `WWW-Authenticate` would hide the
// Bearer challenge. The other adapters' rejection headers replace earlier ones of the same name.

const ORIGIN = 'https://app.example.test';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

/** An app whose middleware, before `protect`, sets CORS headers and headers of its own on `c.res`. */
function appWithEarlierHeaders(): Hono {
  const rs = createHonoResourceServer({
    ...issuer.options({ dpop: true }),
    publicUrl: 'http://127.0.0.1',
  });
  const app = new Hono();
  app.use('*', cors({ origin: ORIGIN, exposeHeaders: ['WWW-Authenticate', 'DPoP-Nonce'] }));
  app.use('*', async (c, next) => {
    c.header('Cache-Control', 'public, max-age=60');
    c.header('WWW-Authenticate', 'Basic realm="legacy"');
    c.header('X-Request-Id', 'r-1');
    await next();
  });
  app.use('/api/*', rs.protect({ scopes: ['read'] }));
  app.get('/api/items', (c) => c.json({ ok: true }));
  return app;
}

describe('a rejection behind middleware that set headers on c.res', () => {
  for (const [title, claims, status] of [
    ['no token', undefined, 401],
    ['a token without the scope', { scope: 'other' }, 403],
  ] as const) {
    it(`sends core's challenge and no-store for ${title}, keeping the CORS headers`, async () => {
      const served = await serveOnLoopback(appWithEarlierHeaders());
      try {
        const headers: Record<string, string> = { origin: ORIGIN };
        if (claims !== undefined) headers.authorization = `Bearer ${await issuer.mint(claims)}`;
        const response = await fetch(served.url('/api/items'), { headers });
        await expectRefusalOverEarlierHeaders(response, status, { origin: ORIGIN, requestId: 'r-1' });
      } finally {
        await served.close();
      }
    });
  }
});
