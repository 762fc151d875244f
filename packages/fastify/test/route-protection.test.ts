import { RsConfigError } from '@rs/core';
import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rsFastify } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});
afterEach(closeAll);

const subjectOrNull = async (request: { oauth2: { subject: string | undefined } | null }) => ({
  subject: request.oauth2?.subject ?? null,
});

describe("protect: 'all' (default)", () => {
  it('protects a route without config, with the server-wide policy only', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.get('/plain', subjectOrNull);
    const baseUrl = await serve(app);

    expect((await sendHttp(baseUrl, { method: 'GET', path: '/plain' })).status).toBe(401);
    const token = await fixture.mint({ sub: 'alice', scope: '' });
    const ok = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/plain',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(ok).toMatchObject({ status: 200, body: { subject: 'alice' } });
  });

  it('applies the route policy on top of the server-wide policy', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options({ policy: { scopes: ['api'] } }));
    app.get('/items', { config: { rs: { scopes: ['read'] } } }, subjectOrNull);
    const baseUrl = await serve(app);

    const bearer = async (scope: string) => ({ authorization: `Bearer ${await fixture.mint({ scope })}` });
    const onlyRoute = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items',
      headers: await bearer('read'),
    });
    const onlyServer = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items',
      headers: await bearer('api'),
    });
    const both = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items',
      headers: await bearer('api read'),
    });
    // RFC 6750 §3: the challenge names what both policies need, so a token asked for with it passes both.
    expect(onlyRoute.headers['www-authenticate']).toContain('scope="api read"');
    expect(onlyServer.headers['www-authenticate']).toContain('scope="api read"');
    expect([onlyRoute.status, onlyServer.status, both.status]).toEqual([403, 403, 200]);
  });

  it('leaves a route with rs: false open, with request.oauth2 null', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.get('/health', { config: { rs: false } }, subjectOrNull);
    const baseUrl = await serve(app);

    const response = await sendHttp(baseUrl, { method: 'GET', path: '/health' });
    expect(response).toMatchObject({ status: 200, body: { subject: null } });
  });

  it('protects routes declared in plugins registered after it, and not those before', async () => {
    const app = Fastify();
    await app.register(async (before) => {
      before.get('/before', subjectOrNull);
    });
    await app.register(rsFastify, fixture.options());
    await app.register(
      async (api) => {
        api.get('/items', subjectOrNull);
      },
      { prefix: '/v1' },
    );
    const baseUrl = await serve(app);

    expect(await sendHttp(baseUrl, { method: 'GET', path: '/before' })).toMatchObject({ status: 200 });
    expect((await sendHttp(baseUrl, { method: 'GET', path: '/v1/items' })).status).toBe(401);
  });

  it('protects only the plugin that registers it', async () => {
    const app = Fastify();
    app.get('/', async () => 'home');
    await app.register(
      async (api) => {
        await api.register(rsFastify, fixture.options());
        api.get('/items', subjectOrNull);
      },
      { prefix: '/api' },
    );
    app.get('/about', async () => 'about');
    const baseUrl = await serve(app);

    expect((await sendHttp(baseUrl, { method: 'GET', path: '/' })).status).toBe(200);
    expect((await sendHttp(baseUrl, { method: 'GET', path: '/about' })).status).toBe(200);
    expect((await sendHttp(baseUrl, { method: 'GET', path: '/api/items' })).status).toBe(401);
  });

  it('protects the HEAD route Fastify adds for a GET route', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.get('/items', { config: { rs: { scopes: ['read'] } } }, subjectOrNull);
    const baseUrl = await serve(app);

    const token = await fixture.mint({ scope: 'other' });
    expect((await sendHttp(baseUrl, { method: 'HEAD', path: '/items' })).status).toBe(401);
    const denied = await sendHttp(baseUrl, {
      method: 'HEAD',
      path: '/items',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(denied.status).toBe(403);
  });

  it('answers unknown routes with Fastify 404, not a challenge', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    const baseUrl = await serve(app);

    expect((await sendHttp(baseUrl, { method: 'GET', path: '/missing' })).status).toBe(404);
  });
});

describe("protect: 'opt-in'", () => {
  it('protects only routes whose config has rs', async () => {
    const app = Fastify();
    await app.register(rsFastify, { ...fixture.options(), protect: 'opt-in' });
    app.get('/open', subjectOrNull);
    app.get('/server-policy', { config: { rs: true } }, subjectOrNull);
    app.get('/route-policy', { config: { rs: { scopes: ['write'] } } }, subjectOrNull);
    const baseUrl = await serve(app);
    const token = await fixture.mint({ sub: 'bob', scope: 'read' });
    const authorization = `Bearer ${token}`;

    expect(await sendHttp(baseUrl, { method: 'GET', path: '/open' })).toMatchObject({
      status: 200,
      body: { subject: null },
    });
    expect((await sendHttp(baseUrl, { method: 'GET', path: '/server-policy' })).status).toBe(401);
    expect(
      await sendHttp(baseUrl, { method: 'GET', path: '/server-policy', headers: { authorization } }),
    ).toMatchObject({ status: 200, body: { subject: 'bob' } });
    expect(
      (await sendHttp(baseUrl, { method: 'GET', path: '/route-policy', headers: { authorization } })).status,
    ).toBe(403);
  });
});

describe('configuration errors', () => {
  it('refuses a bad route policy when the route is declared, naming the route', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    const declare = () => app.get('/bad', { config: { rs: { scopes: [''] } } }, subjectOrNull);
    expect(declare).toThrow(RsConfigError);
    expect(declare).toThrow(/route GET \/bad config\.rs\.scopes/);
    await app.close();
  });

  it('fails ready() for a bad route policy declared in a plugin', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    app.register(async (api) => {
      api.post('/bad', { config: { rs: 'write' as never } }, subjectOrNull);
    });
    await expect(app.ready()).rejects.toMatchObject({
      name: 'RsConfigError',
      option: 'route POST /bad config.rs',
    });
    await app.close();
  });

  it.each([
    [{ protect: 'some' }, 'protect'],
    [{ hook: 'preHandler' }, 'hook'],
    [{ publicUrl: 'api.example.com' }, 'publicUrl'],
    [{ publicUrl: 'https://api.example.com/?x=1' }, 'publicUrl'],
  ])('refuses plugin option %o', async (settings, option) => {
    const app = Fastify();
    await expect(
      app.register(rsFastify, { ...fixture.options(), ...(settings as object) }),
    ).rejects.toMatchObject({
      name: 'RsConfigError',
      option,
    });
    await app.close();
  });

  it('refuses bad resource-server options at registration', async () => {
    const app = Fastify();
    await expect(app.register(rsFastify, { ...fixture.options(), realm: 'a"b' })).rejects.toMatchObject({
      option: 'realm',
    });
    await app.close();
  });

  it('fails closed, with a 500 naming the route, for a route of its context declared before it loaded', async () => {
    const app = Fastify({ logger: false });
    // Not awaited: the routes below are declared before the plugin's onRoute hook exists.
    app.register(rsFastify, fixture.options());
    app.get('/early', subjectOrNull);
    app.get('/early-open', { config: { rs: false } }, subjectOrNull);
    const baseUrl = await serve(app);

    const early = await sendHttp(baseUrl, { method: 'GET', path: '/early' });
    expect(early.status).toBe(500);
    expect(early.body).toMatchObject({ message: expect.stringContaining('route GET /early') });
    expect((await sendHttp(baseUrl, { method: 'GET', path: '/early-open' })).status).toBe(200);
  });
});
