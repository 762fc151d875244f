import formBody from '@fastify/formbody';
import { createResourceServer } from '@rs/core';
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

const FORM_TOKENS = { authorizationHeader: true, formBody: true } as const;

describe('onRequest (default)', () => {
  it("runs before the route's own hooks, which see request.oauth2", async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options());
    const seenByHook: (string | undefined)[] = [];
    app.get(
      '/items',
      {
        onRequest: async (request) => {
          seenByHook.push(request.oauth2?.subject);
        },
      },
      async () => 'ok',
    );
    const baseUrl = await serve(app);

    const token = await fixture.mint({ sub: 'carol' });
    await sendHttp(baseUrl, { method: 'GET', path: '/items', headers: { authorization: `Bearer ${token}` } });
    expect(seenByHook).toEqual(['carol']);
  });

  it("extends an earlier hook's Cache-Control with private for a query token, never weakens it", async () => {
    const app = Fastify();
    app.addHook('onRequest', async (_request, reply) => {
      reply.header('cache-control', 'no-store');
    });
    await app.register(rsFastify, fixture.options({ tokenLocations: { query: true } }));
    app.get('/items', async () => 'ok');
    const baseUrl = await serve(app);
    const token = await fixture.mint({ sub: 'carol' });
    const response = await sendHttp(baseUrl, { method: 'GET', path: `/items?access_token=${token}` });
    expect(response.status).toBe(200);
    expect(response.headers['cache-control']).toBe('no-store, private');
  });

  it.each([
    ['public, max-age=60', 'public, max-age=60, private'],
    ['no-store', 'no-store, private'],
    ['private, max-age=60', 'private, max-age=60'],
  ])('keeps private for a query token when the handler sets Cache-Control: %s', async (own, sent) => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options({ tokenLocations: { query: true } }));
    app.get('/items', async (_request, reply) => {
      reply.header('cache-control', own);
      return 'ok';
    });
    app.get(
      '/items-on-send',
      { onSend: async (_request, reply) => void reply.header('cache-control', own) },
      () => 'ok',
    );
    const baseUrl = await serve(app);
    const token = await fixture.mint({ sub: 'carol' });
    for (const path of ['/items', '/items-on-send']) {
      const response = await sendHttp(baseUrl, { method: 'GET', path: `${path}?access_token=${token}` });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe(sent);
    }
    // A header token: nothing of core's, the handler's own value alone.
    const fromHeader = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(fromHeader.headers['cache-control']).toBe(own);
  });

  it('refuses an unauthenticated request before its body is parsed', async () => {
    const app = Fastify();
    let parsed = 0;
    app.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => {
      parsed++;
      done(null, JSON.parse(String(body)));
    });
    await app.register(rsFastify, fixture.options());
    app.post('/items', async () => 'ok');
    const baseUrl = await serve(app);

    const response = await fetch(`${baseUrl}/items`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
    });
    expect(response.status).toBe(401);
    expect(parsed).toBe(0);
  });

  it('hands a bug in the resource server to Fastify as a 500', async () => {
    const app = Fastify();
    const broken = { resolve: () => Promise.reject(new Error('resolver bug')) };
    await app.register(rsFastify, fixture.options({ resolver: broken }));
    app.get('/items', async () => 'ok');
    const baseUrl = await serve(app);

    const token = await fixture.mint();
    const response = await sendHttp(baseUrl, {
      method: 'GET',
      path: '/items',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(response.status).toBe(500);
  });
});

describe('preValidation (form-body tokens)', () => {
  it('is the default when tokenLocations.formBody is on, and runs before schema validation', async () => {
    const app = Fastify();
    await app.register(formBody);
    await app.register(rsFastify, fixture.options({ tokenLocations: FORM_TOKENS }));
    app.post('/items', { schema: { body: { type: 'object', required: ['name'] } } }, async (request) => ({
      location: request.oauth2?.location,
    }));
    const baseUrl = await serve(app);

    const token = await fixture.mint();
    const noToken = await sendHttp(baseUrl, { method: 'POST', path: '/items', form: {} });
    const invalid = await sendHttp(baseUrl, {
      method: 'POST',
      path: '/items',
      form: { access_token: token },
    });
    const valid = await sendHttp(baseUrl, {
      method: 'POST',
      path: '/items',
      form: { access_token: token, name: 'x' },
    });
    expect(noToken.status).toBe(401);
    expect(invalid.status).toBe(400);
    expect(valid).toMatchObject({ status: 200, body: { location: 'form-body' } });
  });

  it('is chosen by itself for a prebuilt resource server that reads form bodies', async () => {
    const resourceServer = createResourceServer(fixture.options({ tokenLocations: FORM_TOKENS }));
    const app = Fastify();
    await app.register(formBody);
    await app.register(rsFastify, { resourceServer });
    app.post('/items', async (request) => ({ location: request.oauth2?.location }));
    const baseUrl = await serve(app);

    const token = await fixture.mint();
    const response = await sendHttp(baseUrl, {
      method: 'POST',
      path: '/items',
      form: { access_token: token },
    });
    expect(response).toMatchObject({ status: 200, body: { location: 'form-body' } });
  });

  it("keeps the route's own preValidation hooks, after authentication", async () => {
    const app = Fastify();
    await app.register(formBody);
    await app.register(rsFastify, fixture.options({ tokenLocations: FORM_TOKENS }));
    const order: string[] = [];
    app.post(
      '/items',
      {
        preValidation: [
          async (request) => {
            order.push(`own:${request.oauth2?.subject}`);
          },
        ],
      },
      async () => 'ok',
    );
    const baseUrl = await serve(app);

    const token = await fixture.mint({ sub: 'dave' });
    await sendHttp(baseUrl, { method: 'POST', path: '/items', form: { access_token: token } });
    expect(order).toEqual(['own:dave']);
  });

  // A content-type parser of the app's own that hands the form over as text or bytes: a token in it is
  // neither found nor ruled out, so the request is refused, never decided as if the body held none.
  it.each(['string', 'buffer'] as const)(
    'refuses a form body a parser left as a %s with 400, beside a header token or alone',
    async (parseAs) => {
      const app = Fastify();
      app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs }, (_request, body, done) =>
        done(null, body),
      );
      await app.register(rsFastify, fixture.options({ tokenLocations: FORM_TOKENS }));
      app.post('/items', async (request) => ({ location: request.oauth2?.location }));
      app.post('/optional', { config: { rs: { optional: true } } }, async (request) => ({
        location: request.oauth2?.location ?? null,
      }));
      const baseUrl = await serve(app);

      const [inHeader, inBody] = [await fixture.mint(), await fixture.mint()];
      for (const [path, headers] of [
        ['/items', { authorization: `Bearer ${inHeader}` }],
        ['/optional', {}],
      ] as const) {
        const response = await sendHttp(baseUrl, {
          method: 'POST',
          path,
          headers,
          form: { access_token: inBody },
        });
        expect(response.status, path).toBe(400);
        expect(response.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
      }
      // Without a body there is nothing to examine.
      const empty = await sendHttp(baseUrl, {
        method: 'POST',
        path: '/items',
        headers: { authorization: `Bearer ${inHeader}` },
        form: {},
      });
      expect(empty).toMatchObject({ status: 200, body: { location: 'authorization-header' } });
    },
  );
});
