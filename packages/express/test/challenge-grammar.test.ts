import { expectRefusalOverEarlierHeaders, type TestIssuer, testIssuer } from '@rs/testkit';
import { afterEach, beforeAll, describe, it } from 'vitest';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

// Middleware before `protect` may have set headers core also sets (a whole-app `Cache-Control: public`,
// another scheme's `WWW-Authenticate`): the rejection's replace them, as in every adapter, and the
// application's other headers (CORS's) stay. The Hono adapter is held to the same answers.

const ORIGIN = 'https://app.example.test';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});
afterEach(closeAll);

for (const { name, express } of FRAMEWORKS) {
  describe(`${name}: a rejection behind middleware that set headers`, () => {
    for (const [title, claims, status] of [
      ['no token', undefined, 401],
      ['a token without the scope', { scope: 'other' }, 403],
    ] as const) {
      it(`sends core's challenge and no-store for ${title}, keeping the other headers`, async () => {
        const rs = createExpressResourceServer({
          ...issuer.options({ dpop: true }),
          publicUrl: 'http://127.0.0.1',
        });
        const app = express();
        app.use((_req, res, next) => {
          res.setHeader('access-control-allow-origin', ORIGIN);
          res.setHeader('cache-control', 'public, max-age=60');
          res.setHeader('www-authenticate', 'Basic realm="legacy"');
          res.setHeader('x-request-id', 'r-1');
          next();
        });
        app.get('/api/items', rs.protect({ scopes: ['read'] }), (_req, res) => {
          res.json({ ok: true });
        });
        const served = await serve(app);
        const headers: Record<string, string> = { origin: ORIGIN };
        if (claims !== undefined) headers.authorization = `Bearer ${await issuer.mint(claims)}`;
        const response = await fetch(`${served.url}/api/items`, { headers });
        await expectRefusalOverEarlierHeaders(response, status, { origin: ORIGIN, requestId: 'r-1' });
      });
    }
  });
}
