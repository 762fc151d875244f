import { getWithHost, type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, expect, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
let token: string;
beforeAll(async () => {
  fixture = await testIssuer();
  token = await fixture.mint({ sub: 'alice' });
});
afterEach(closeAll);

async function queryTokenApp(): Promise<string> {
  const app = Fastify();
  await app.register(fastifyResourceServer, fixture.options({ tokenLocations: { query: true } }));
  app.get('/items', async (request) => ({ subject: request.oauth2?.subject }));
  return serve(app);
}

// The Host header is the client's to write: a `?`, `#` or `/` in it must not move where the request
// target's query starts.
it.each(['127.0.0.1?x=', '127.0.0.1#', '127.0.0.1/x?y='])(
  'refuses a token sent two ways whatever the Host (%s)',
  async (host) => {
    const url = await queryTokenApp();
    const answer = await getWithHost(url, `/items?access_token=${token}`, host, {
      authorization: `Bearer ${token}`,
    });
    expect(answer.status).toBe(400);
    expect(answer.headers['www-authenticate']).toContain('error="invalid_request"');
  },
);

it('takes no token from the Host header', async () => {
  const url = await queryTokenApp();
  const answer = await getWithHost(url, '/items', `127.0.0.1?access_token=${token}&x=`);
  expect(answer.status).toBe(401);
  expect(answer.headers['www-authenticate']).not.toContain('error=');
});
