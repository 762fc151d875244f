// What the application hands the resource server may throw something that is no Error. Express reads a
// falsy error as none (`next(null)` runs the next handler: the protected one) and `next('route')` as
// "skip to the next route": before, a resolver rejecting with `null` let every request through with 200.
import { type AccessTokenResolver, createResourceServer, type ResourceServer } from '@rs/core';
import { type TestIssuer, testIssuer, type UnhandledRejections, watchUnhandledRejections } from '@rs/testkit';
import type { NextFunction, Request, Response } from 'express';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createExpressResourceServer } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
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
  ['the string "route"', 'route'],
  ['the string "router"', 'router'],
  ['0', 0],
  ['false', false],
  ['an empty string', ''],
];

/** A resource server whose `authenticate` rejects with `thrown`, as a wrapper of the application's may. */
function rejectingServer(thrown: unknown): ResourceServer {
  const server = createResourceServer(fixture.options());
  return { ...server, authenticate: () => Promise.reject(thrown) };
}

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  async function protectedApp(rs: ReturnType<typeof createExpressResourceServer>) {
    const app = express();
    const reached: string[] = [];
    const errors: unknown[] = [];
    app.get('/items', rs.protect(), (_req: Request, res: Response) => {
      reached.push('protected');
      res.json({ secret: true });
    });
    // A route after it that `next('route')` would fall through to.
    app.get('/items', (_req: Request, res: Response) => {
      reached.push('fallback');
      res.json({ fallback: true });
    });
    app.use((error: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(error);
      res.status(500).json({ failed: true });
    });
    const { url } = await serve(app);
    const response = await fetch(`${url}/items`, { headers: { authorization: `Bearer ${token}` } });
    return { status: response.status, body: await response.text(), reached, errors };
  }

  it.each(NON_ERRORS)('a resolver rejecting with %s: 500, the handler never runs', async (_, thrown) => {
    const resolver: AccessTokenResolver = { resolve: () => Promise.reject(thrown) };
    const answer = await protectedApp(createExpressResourceServer({ ...fixture.options(), resolver }));
    expect(answer.status).toBe(500);
    expect(answer.reached).toEqual([]);
    expect(answer.errors).toHaveLength(1);
    expect(answer.errors[0]).toBeInstanceOf(Error);
    expect((answer.errors[0] as { code?: unknown }).code).toBe('ERR_RS_NON_ERROR_THROWN');
    expect(answer.body).not.toContain(token);
  });

  it.each(NON_ERRORS)(
    'a shared resource server rejecting with %s: 500, the handler never runs',
    async (_, thrown) => {
      const answer = await protectedApp(
        createExpressResourceServer({ resourceServer: rejectingServer(thrown) }),
      );
      expect(answer.status).toBe(500);
      expect(answer.reached).toEqual([]);
      expect(answer.errors[0]).toBeInstanceOf(Error);
    },
  );

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
    const rs = createExpressResourceServer({ ...fixture.options(), onAudit: throwing, telemetry });
    const answer = await protectedApp(rs);
    expect(answer.status).toBe(200);
    expect(answer.reached).toEqual(['protected']);
    vi.restoreAllMocks();
  });
});
