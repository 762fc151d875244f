// What the application hands the resource server may throw something that is no Error. Fastify reads
// `done(null)` from a hook as success: before, a resolver rejecting with `null` or `undefined` let every
// request through to the route with 200.
import { type AccessTokenResolver, createResourceServer, type ResourceServer } from '@rs/core';
import { type TestIssuer, testIssuer, type UnhandledRejections, watchUnhandledRejections } from '@rs/testkit';
import Fastify from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { rsFastify } from '../src/index.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
let token: string;
// Whatever a test leaves unhandled fails it: a rejection nobody handles ends a Node process by default.
let rejections: UnhandledRejections;
beforeAll(async () => {
  rejections = watchUnhandledRejections();
  fixture = await testIssuer();
  token = await fixture.mint({ sub: 'alice' });
});
afterEach(async () => {
  await closeAll();
  expect(await rejections.settle()).toEqual([]);
});
afterAll(() => {
  rejections.stop();
});

const NON_ERRORS: readonly [string, unknown][] = [
  ['null', null],
  ['undefined', undefined],
  ['a string', 'boom'],
  ['0', 0],
  ['false', false],
];

/** A resource server whose `authenticate` rejects with `thrown`, as a wrapper of the application's may. */
function rejectingServer(thrown: unknown): ResourceServer {
  const server = createResourceServer(fixture.options());
  return { ...server, authenticate: () => Promise.reject(thrown) };
}

async function protectedApp(options: Parameters<typeof rsFastify>[1]) {
  const app = Fastify();
  await app.register(rsFastify, options);
  const reached: string[] = [];
  app.get('/items', async () => {
    reached.push('protected');
    return { secret: true };
  });
  const url = await serve(app);
  const response = await fetch(`${url}/items`, { headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: await response.text(), reached };
}

describe('a resource server failing with a value that is not an Error', () => {
  it.each(NON_ERRORS)('a resolver rejecting with %s: 500, the route never runs', async (_, thrown) => {
    const resolver: AccessTokenResolver = { resolve: () => Promise.reject(thrown) };
    const answer = await protectedApp({ ...fixture.options(), resolver });
    expect(answer.status).toBe(500);
    expect(answer.reached).toEqual([]);
    expect(answer.body).toContain('ERR_RS_NON_ERROR_THROWN');
    expect(answer.body).not.toContain(token);
  });

  it.each(NON_ERRORS)(
    'a shared resource server rejecting with %s: 500, the route never runs',
    async (_, thrown) => {
      const answer = await protectedApp({ resourceServer: rejectingServer(thrown) });
      expect(answer.status).toBe(500);
      expect(answer.reached).toEqual([]);
    },
  );
});

describe('observers that fail', () => {
  it('an audit hook or telemetry that throws does not change the answer', async () => {
    const throwing = () => {
      throw null;
    };
    const telemetry = {
      attach: () => {},
      startRequest: () => ({
        extracted: throwing,
        stage: throwing,
        cacheLookup: throwing,
        introspected: throwing,
        resolved: throwing,
        end: throwing,
        run: throwing,
      }),
    };
    const answer = await protectedApp({ ...fixture.options(), onAudit: throwing, telemetry });
    expect(answer.status).toBe(200);
    expect(answer.reached).toEqual(['protected']);
  });
});
