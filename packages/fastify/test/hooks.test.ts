import formBody from '@fastify/formbody';
import { createResourceServer, rotatingDpopNonces } from '@rs/core';
import { generateDpopKey, sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
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

  it('keeps private for a query token on a hijacked reply and behind an onSend hook appended after ours', async () => {
    const app = Fastify();
    await app.register(rsFastify, fixture.options({ tokenLocations: { query: true } }));
    // A plugin registered after ours that appends its onSend hook to each route, as compression plugins do.
    app.addHook('onRoute', (routeOptions) => {
      const own = routeOptions.onSend;
      const list = own === undefined ? [] : Array.isArray(own) ? own : [own];
      routeOptions.onSend = [
        ...list,
        async (_request, reply, payload) => {
          reply.header('cache-control', 'public, max-age=60');
          return payload;
        },
      ];
    });
    app.get('/appended', async () => 'ok');
    // Server-sent events over a query token (EventSource sends no header): the handler writes reply.raw.
    app.get('/events', (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      reply.raw.end('data: hello\n\n');
    });
    app.get('/events-plain', (_request, reply) => {
      reply.hijack();
      reply.raw.end('data: hello\n\n');
    });
    const baseUrl = await serve(app);
    const token = await fixture.mint({ sub: 'carol' });
    const sent = async (path: string) =>
      (await sendHttp(baseUrl, { method: 'GET', path: `${path}?access_token=${token}` })).headers[
        'cache-control'
      ];
    expect(await sent('/appended')).toBe('public, max-age=60, private');
    expect(await sent('/events')).toBe('no-cache, private');
    expect(await sent('/events-plain')).toBe('private');
  });

  it("hands the client core's fresh DPoP-Nonce over the handler's own, also on a hijacked reply", async () => {
    // A proof with the previous slot's nonce is accepted and the answer carries the current one (RFC 9449
    // §8.2). The server's clock stands still, so that no slot boundary falls between here and the server.
    const now = Date.now();
    const secret = 'a shared secret of at least thirty-two bytes';
    const nonces = rotatingDpopNonces({ secret, lifetime: 300 });
    const publicUrl = 'https://api.example.com';
    const key = await generateDpopKey();
    const token = await fixture.mint({ sub: 'carol', cnf: { jkt: key.thumbprint } });
    const app = Fastify();
    await app.register(rsFastify, {
      resolver: fixture.resolver,
      publicUrl,
      clock: () => now,
      dpop: { nonces: rotatingDpopNonces({ secret, lifetime: 300 }) },
    });
    app.get('/own', async (_request, reply) => {
      reply.header('dpop-nonce', 'the-handler-own');
      return 'ok';
    });
    app.get('/raw', (_request, reply) => {
      reply.hijack();
      reply.raw.writeHead(200, { 'DPoP-Nonce': 'the-handler-own' });
      reply.raw.end('ok');
    });
    const baseUrl = await serve(app);
    const current = await nonces.current(now);
    for (const path of ['/own', '/raw']) {
      const proof = await key.proof('GET', `${publicUrl}${path}`, token, {
        nonce: await nonces.current(now - 300_000),
      });
      const response = await sendHttp(baseUrl, {
        method: 'GET',
        path,
        headers: { authorization: `DPoP ${token}`, dpop: proof },
      });
      expect(response.status).toBe(200);
      expect(response.headers['dpop-nonce']).toBe(current);
    }
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
