import type { AccessPolicy } from '@rs/core';
import { configRefusal, sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import type { Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createExpressResourceServer, rsExpress } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

// A route policy looked up by a misspelt name (`policies['admn']`: `AccessPolicy | undefined`) is refused
// by `protect` at start-up; the types refuse it too (the `@ts-expect-error` lines are checked by
// `tsc --noEmit -p .`). A route declared without a policy calls core without one: core refuses a policy
// given as `undefined`, so the middleware must not pass one.

let fixture: TestIssuer;
let authorization: string;
const policies: Record<string, AccessPolicy> = { admin: { scopes: ['admin'] } };

beforeAll(async () => {
  fixture = await testIssuer();
  authorization = `Bearer ${await fixture.mint({ sub: 'bob', scope: 'read' })}`;
});
afterEach(closeAll);

const echoSubject = (req: Request, res: Response) => {
  res.json({ subject: req.oauth2?.subject ?? null });
};

describe('a route policy given as undefined', () => {
  it('is refused by the types of protect, protectOptional and rsExpress, as at run time', () => {
    const rs = createExpressResourceServer(fixture.options());
    // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
    expect(configRefusal(() => rs.protect(policies['admn'])).option).toBe('protect(policy)');
    // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
    expect(configRefusal(() => rs.protectOptional(policies['admn'])).option).toBe('protectOptional(policy)');
    const protect = rsExpress(fixture.options());
    // @ts-expect-error `AccessPolicy | undefined` is no route policy: leave the argument out instead.
    expect(configRefusal(() => protect(policies['admn'])).option).toBe('protect(policy)');
  });
});

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  it('protects routes declared without a policy, required or optional, and applies one given', async () => {
    const rs = createExpressResourceServer(fixture.options());
    const app = express();
    app.get('/me', rs.protect(), echoSubject);
    app.get('/feed', rs.protectOptional(), echoSubject);
    app.get('/admin', rs.protect(policies['admin']!), echoSubject);
    const { url } = await serve(app);
    const get = (path: string, headers: Record<string, string> = {}) =>
      sendHttp(url, { method: 'GET', path, headers });

    expect(await get('/me', { authorization })).toMatchObject({ status: 200, body: { subject: 'bob' } });
    expect((await get('/me')).status).toBe(401);
    expect(await get('/feed')).toMatchObject({ status: 200, body: { subject: null } });
    expect(await get('/feed', { authorization })).toMatchObject({ status: 200, body: { subject: 'bob' } });
    expect((await get('/admin', { authorization })).status).toBe(403);
  });
});

describe.each(FRAMEWORKS)('$name, protect handed to Express uncalled', ({ express }) => {
  it('fails closed, and says to call it', async () => {
    const rs = createExpressResourceServer(fixture.options());
    const app = express();
    // `app.use(rs.protect)`: Express calls the factory itself with req, res and next.
    app.use(rs.protect as never);
    app.get('/me', echoSubject);
    const errors: unknown[] = [];
    app.use((error: unknown, _req: Request, res: Response, _next: () => void) => {
      errors.push(error);
      res.status(500).json({ failed: true });
    });
    const { url } = await serve(app);
    const answer = await sendHttp(url, { method: 'GET', path: '/me', headers: { authorization } });
    expect(answer.status).toBe(500);
    expect(String((errors[0] as Error).message)).toContain('app.use(rs.protect()), not app.use(rs.protect)');
  });
});
