import { parseWwwAuthenticate, type TestIssuer, testIssuer } from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
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
        expect(response.status).toBe(status);
        expect(response.headers.get('cache-control')).toBe('no-store');
        const challenges = parseWwwAuthenticate(response.headers.get('www-authenticate')!);
        expect(challenges.map((challenge) => challenge.scheme)).toEqual(['Bearer', 'DPoP']);
        expect(challenges[0]!.params.realm).toBe('test');
        if (status === 403)
          expect(challenges[0]!.params).toMatchObject({ error: 'insufficient_scope', scope: 'read' });
        expect(response.headers.get('content-type')).toBe('application/json');
        expect(response.headers.get('access-control-allow-origin')).toBe(ORIGIN);
        expect(response.headers.get('x-request-id')).toBe('r-1');
        expect(await response.json()).toMatchObject({
          code: status === 401 ? 'token_missing' : 'insufficient_scope',
        });
      });
    }
  });
}
