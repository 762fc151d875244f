import { request as httpRequest } from 'node:http';
import { type TestIssuer, testIssuer } from '@rs/testkit';
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

/** A GET whose request-target is in absolute-form (`GET http://host/path`), as proxies send it. */
function getAbsolute(base: string, path: string, headers: Record<string, string>): Promise<number> {
  const target = new URL(path, base);
  return new Promise((resolve, reject) => {
    const sent = httpRequest(
      { host: target.hostname, port: target.port, method: 'GET', path: target.href, headers },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response.statusCode ?? 0));
      },
    );
    sent.on('error', reject);
    sent.end();
  });
}

it('accepts a request-target in absolute-form (RFC 9112 §3.2.2), as the origin-form', async () => {
  const app = Fastify();
  await app.register(fastifyResourceServer, fixture.options());
  app.get('/items', async (request) => ({ subject: request.oauth2?.subject }));
  const url = await serve(app);
  expect(await getAbsolute(url, '/items', { authorization })).toBe(200);
  expect(await getAbsolute(url, '/items', {})).toBe(401);
});
