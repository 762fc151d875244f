// `app.inject()`, Fastify's own way to test routes, has no socket that can say a request arrived on
// loopback, so with `requireHttps` on (the default) an injected plain-http request is refused like one off
// loopback. The README tells test writers to give `publicUrl`; these tests hold it to that.
import { type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { beforeAll, expect, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';

let fixture: TestIssuer;
let token: string;
beforeAll(async () => {
  fixture = await testIssuer();
  token = await fixture.mint({ sub: 'alice' });
});

/** The plugin with core's default `requireHttps`, unlike `fixture.options()`, which turns it off. */
async function injectableApp(publicUrl?: string) {
  const app = Fastify();
  const { requireHttps: _off, ...options } = fixture.options();
  await app.register(fastifyResourceServer, publicUrl === undefined ? options : { ...options, publicUrl });
  app.get('/items', async (request) => ({ subject: request.oauth2?.subject }));
  return app;
}

it('refuses an injected plain-http request with 400 https_required, even with a valid token', async () => {
  const app = await injectableApp();
  const answer = await app.inject({ url: '/items', headers: { authorization: `Bearer ${token}` } });
  expect(answer.statusCode).toBe(400);
  expect(answer.json()).toMatchObject({ code: 'https_required' });
  await app.close();
});

it('decides injected requests as real ones once publicUrl is given', async () => {
  const app = await injectableApp('https://api.example.com');
  expect((await app.inject({ url: '/items' })).statusCode).toBe(401);
  const accepted = await app.inject({ url: '/items', headers: { authorization: `Bearer ${token}` } });
  expect(accepted.statusCode).toBe(200);
  expect(accepted.json()).toEqual({ subject: 'alice' });
  await app.close();
});
