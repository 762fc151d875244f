import { parseWwwAuthenticate, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { beforeAll, describe, expect, it } from 'vitest';
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
      } finally {
        await app.close();
      }
    });
  }
});
