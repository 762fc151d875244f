import { type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';
import { closeAll, serve } from './serve.js';

// A browser sends a CORS preflight (OPTIONS, with `Origin` and `Access-Control-Request-Method`) without
// the Authorization header, before every cross-origin request that carries one. A preflight answered in
// an application-wide `onRequest` hook, as @fastify/cors answers it, is answered before any route's own
// hook, ours included, whichever plugin was registered first; the request that follows is still decided.
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});
afterEach(closeAll);

const ORIGIN = 'https://app.example.test';
const PREFLIGHT = {
  origin: ORIGIN,
  'access-control-request-method': 'GET',
  'access-control-request-headers': 'authorization',
};

/**
 * What @fastify/cors does with `origin` and `exposedHeaders` set (it is not a dependency here): CORS
 * headers in an `onRequest` hook, a preflight answered there with 204, and an `OPTIONS *` route so that
 * Fastify routes the preflight at all.
 */
const corsPlugin = fastifyPlugin(async (app: FastifyInstance) => {
  app.addHook('onRequest', (request, reply, done) => {
    // An origin it does not allow gets no CORS headers, and its preflight is left to the route.
    if (request.headers.origin !== undefined && request.headers.origin !== ORIGIN) {
      done();
      return;
    }
    reply.header('access-control-allow-origin', ORIGIN);
    reply.header('vary', 'Origin');
    reply.header('access-control-expose-headers', 'WWW-Authenticate');
    if (request.method !== 'OPTIONS') {
      done();
      return;
    }
    reply.header('access-control-allow-methods', 'GET,HEAD,PUT,PATCH,POST,DELETE');
    reply.header('access-control-allow-headers', request.headers['access-control-request-headers'] ?? '');
    reply.code(204).header('content-length', '0').send();
  });
  app.options('*', async (_request, reply) => reply.send());
});

describe.each(['before', 'after'] as const)('CORS registered %s the plugin', (order) => {
  it('answers the preflight with 204; the real request is still decided', async () => {
    const app = Fastify();
    if (order === 'before') await app.register(corsPlugin);
    await app.register(fastifyResourceServer, { resolver: issuer.resolver });
    if (order === 'after') await app.register(corsPlugin);
    app.get('/items', async () => []);
    const url = await serve(app);

    const preflight = await fetch(`${url}/items`, { method: 'OPTIONS', headers: PREFLIGHT });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-headers')).toBe('authorization');

    const refused = await fetch(`${url}/items`, { headers: { origin: ORIGIN } });
    expect(refused.status).toBe(401);
    expect(refused.headers.get('access-control-allow-origin')).toBe(ORIGIN);
    expect(refused.headers.get('access-control-expose-headers')).toBe('WWW-Authenticate');
    expect(refused.headers.get('www-authenticate')).toMatch(/^Bearer\b/);

    const accepted = await fetch(`${url}/items`, {
      headers: { origin: ORIGIN, authorization: `Bearer ${await issuer.mint({})}` },
    });
    expect(accepted.status).toBe(200);
    expect(accepted.headers.get('access-control-allow-origin')).toBe(ORIGIN);
  });
});

it('protects the OPTIONS route of @fastify/cors registered after it, for the preflights cors leaves unanswered', async () => {
  const app = Fastify();
  await app.register(fastifyResourceServer, { resolver: issuer.resolver });
  await app.register(corsPlugin);
  app.get('/items', async () => []);
  const url = await serve(app);
  const answer = await fetch(`${url}/items`, {
    method: 'OPTIONS',
    headers: { ...PREFLIGHT, origin: 'https://elsewhere.example.test' },
  });
  expect(answer.status).toBe(401);
  expect(answer.headers.get('access-control-allow-origin')).toBeNull();
});

it("protects an application's own OPTIONS route like any other, preflight or not", async () => {
  const app = Fastify();
  await app.register(fastifyResourceServer, { resolver: issuer.resolver });
  let reached = 0;
  app.options('/items', async () => {
    reached += 1;
    return 'allowed';
  });
  const url = await serve(app);
  for (const headers of [PREFLIGHT, {}]) {
    const answer = await fetch(`${url}/items`, { method: 'OPTIONS', headers });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('www-authenticate')).toMatch(/^Bearer\b/);
  }
  expect(reached).toBe(0);
});
