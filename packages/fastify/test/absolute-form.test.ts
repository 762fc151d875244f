import { getInAbsoluteForm, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
let authorization: string;
beforeAll(async () => {
  fixture = await testIssuer();
  authorization = `Bearer ${await fixture.mint({ sub: 'alice' })}`;
});
afterEach(closeAll);

it('accepts a request-target in absolute-form (RFC 9112 §3.2.2), as the origin-form', async () => {
  const app = Fastify();
  await app.register(fastifyResourceServer, fixture.options());
  app.get('/items', async (request) => ({ subject: request.oauth2?.subject }));
  const url = await serve(app);
  expect(await getInAbsoluteForm(url, '/items', { authorization })).toBe(200);
  expect(await getInAbsoluteForm(url, '/items', {})).toBe(401);
});
