import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastifyResourceServer, rsFastify } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let first: TestIssuer;
let second: TestIssuer;
beforeAll(async () => {
  [first, second] = await Promise.all([
    testIssuer('https://first.example.test'),
    testIssuer('https://second.example.test'),
  ]);
});
afterEach(closeAll);

const subjectOrNull = async (request: { oauth2: { subject: string | undefined } | null }) => ({
  subject: request.oauth2?.subject ?? null,
});
const get = async (baseUrl: string, path: string, token?: string) =>
  sendHttp(baseUrl, { method: 'GET', path, headers: token ? { authorization: `Bearer ${token}` } : {} });

describe('the plugin registered in several encapsulated contexts', () => {
  it('runs in sibling contexts, each with its own issuer, without FST_ERR_DEC_ALREADY_PRESENT', async () => {
    const app = Fastify();
    for (const [prefix, issuer] of [
      ['/first', first],
      ['/second', second],
    ] as const) {
      await app.register(
        async (scope: FastifyInstance) => {
          await scope.register(fastifyResourceServer, issuer.options({ realm: prefix.slice(1) }));
          scope.get('/me', subjectOrNull);
        },
        { prefix },
      );
    }
    const baseUrl = await serve(app);
    const alice = await first.mint({ sub: 'alice' });
    const bob = await second.mint({ sub: 'bob' });

    expect(await get(baseUrl, '/first/me', alice)).toMatchObject({ status: 200, body: { subject: 'alice' } });
    expect(await get(baseUrl, '/second/me', bob)).toMatchObject({ status: 200, body: { subject: 'bob' } });
    // Each context trusts its own issuer only, and names its own realm.
    const crossed = await get(baseUrl, '/first/me', bob);
    expect(crossed.status).toBe(401);
    expect(crossed.headers['www-authenticate']).toMatch(/^Bearer realm="first", error="invalid_token"/);
  });

  it('lets a child context register again: the nearest registration decides its routes, once', async () => {
    const app = Fastify();
    await app.register(rsFastify, first.options({ realm: 'root' }));
    app.get('/root', subjectOrNull);
    await app.register(
      async (child: FastifyInstance) => {
        await child.register(fastifyResourceServer, second.options({ realm: 'child' }));
        child.get('/me', subjectOrNull);
      },
      { prefix: '/child' },
    );
    const baseUrl = await serve(app);

    expect(await get(baseUrl, '/root', await first.mint({ sub: 'alice' }))).toMatchObject({ status: 200 });
    const child = await get(baseUrl, '/child/me', await second.mint({ sub: 'bob' }));
    expect(child).toMatchObject({ status: 200, body: { subject: 'bob' } });
    // The root's registration no longer applies there: its tokens are another issuer's.
    const rootToken = await get(baseUrl, '/child/me', await first.mint({ sub: 'alice' }));
    expect(rootToken.status).toBe(401);
    expect(rootToken.headers['www-authenticate']).toMatch(/^Bearer realm="child"/);
    // One hook per route: the resolver ran once for this request.
    const seen = second.seen.length;
    await get(baseUrl, '/child/me', await second.mint());
    expect(second.seen.length).toBe(seen + 1);
  });
});

describe("optional authentication: config.rs 'optional' or { optional: true, ... }", () => {
  it('runs the handler with oauth2 null without a token, with the context for a good one, 401 for a bad one', async () => {
    const app = Fastify();
    await app.register(fastifyResourceServer, first.options());
    app.get('/feed', { config: { rs: 'optional' } }, subjectOrNull);
    app.get('/scoped', { config: { rs: { optional: true, scopes: ['read'] } } }, subjectOrNull);
    const baseUrl = await serve(app);

    expect(await get(baseUrl, '/feed')).toMatchObject({ status: 200, body: { subject: null } });
    const token = await first.mint({ sub: 'alice', scope: 'write' });
    expect(await get(baseUrl, '/feed', token)).toMatchObject({ status: 200, body: { subject: 'alice' } });
    expect((await get(baseUrl, '/feed', `${token}x`)).status).toBe(401);
    expect(await get(baseUrl, '/scoped')).toMatchObject({ status: 200, body: { subject: null } });
    expect((await get(baseUrl, '/scoped', token)).status).toBe(403);
  });

  it('refuses a non-boolean optional at registration', async () => {
    const app = Fastify();
    await app.register(fastifyResourceServer, first.options());
    expect(() => app.get('/x', { config: { rs: { optional: 'yes' as never } } }, subjectOrNull)).toThrow(
      /config\.rs\.optional/,
    );
  });
});
