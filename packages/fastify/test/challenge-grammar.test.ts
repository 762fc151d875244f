import { expectRefusalOverEarlierHeaders, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { beforeAll, describe, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';

// A hook before the resource server's may have set headers core also sets (a whole-app
// `Cache-Control: public`, another scheme's `WWW-Authenticate`): the rejection's replace them, as in
// every adapter, and the application's other headers (CORS's) stay.

const ORIGIN = 'https://app.example.test';
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

describe('a rejection behind a hook that set headers', () => {
  for (const [title, claims, status] of [
    ['no token', undefined, 401],
    ['a token without the scope', { scope: 'other' }, 403],
  ] as const) {
    it(`sends core's challenge and no-store for ${title}, keeping the other headers`, async () => {
      const app = Fastify();
      app.addHook('onRequest', async (_request, reply) => {
        reply.header('access-control-allow-origin', ORIGIN);
        reply.header('cache-control', 'public, max-age=60');
        reply.header('www-authenticate', 'Basic realm="legacy"');
        reply.header('x-request-id', 'r-1');
      });
      await app.register(fastifyResourceServer, {
        ...issuer.options({ dpop: true }),
        publicUrl: 'http://127.0.0.1',
      });
      app.get('/api/items', { config: { rs: { scopes: ['read'] } } }, async () => ({ ok: true }));
      const base = await app.listen({ host: '127.0.0.1', port: 0 });
      try {
        const headers: Record<string, string> = { origin: ORIGIN };
        if (claims !== undefined) headers.authorization = `Bearer ${await issuer.mint(claims)}`;
        const response = await fetch(`${base}/api/items`, { headers });
        await expectRefusalOverEarlierHeaders(response, status, { origin: ORIGIN, requestId: 'r-1' });
      } finally {
        await app.close();
      }
    });
  }
});
