import type { RsContext } from '@rs/core';
import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import type { Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createExpressResourceServer, type ExpressResourceServer, rsExpress } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

interface MyClaims {
  readonly sub: string;
  readonly tenant: string;
}

let fixture: TestIssuer;
beforeAll(async () => {
  fixture = await testIssuer();
});
afterEach(closeAll);

const get = (url: string, path: string, token?: string) =>
  sendHttp(url, {
    method: 'GET',
    path,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

describe.each(FRAMEWORKS)('$name: createExpressResourceServer', ({ express }) => {
  it('protect and protectOptional: no token runs the handler without req.oauth2, a bad one is 401', async () => {
    const app = express();
    const rs = createExpressResourceServer<MyClaims>(fixture.options());
    const tenant = (req: Request, res: Response) => {
      res.json({ tenant: rs.contextOf(req)?.claims.tenant ?? null });
    };
    app.get('/items', rs.protect({ scopes: ['read'] }), tenant);
    app.get('/feed', rs.protectOptional(), tenant);
    const { url } = await serve(app);
    const token = await fixture.mint({ tenant: 'acme', scope: 'read' });

    expect((await get(url, '/items')).status).toBe(401);
    expect(await get(url, '/items', token)).toMatchObject({ status: 200, body: { tenant: 'acme' } });
    expect(await get(url, '/feed')).toMatchObject({ status: 200, body: { tenant: null } });
    expect(await get(url, '/feed', token)).toMatchObject({ status: 200, body: { tenant: 'acme' } });
    const bad = await get(url, '/feed', `${token}x`);
    expect(bad.status).toBe(401);
    expect(bad.headers['www-authenticate']).toMatch(/error="invalid_token"/);
  });

  it('keeps rsExpress as the deprecated name of its protect', async () => {
    const app = express();
    app.get('/items', rsExpress(fixture.options())(), (req, res) => {
      res.json({ subject: req.oauth2?.subject });
    });
    const { url } = await serve(app);
    expect(await get(url, '/items', await fixture.mint({ sub: 'alice' }))).toMatchObject({ status: 200 });
  });
});

describe('types', () => {
  it('carries the claims type to contextOf, and defaults it', () => {
    const rs = createExpressResourceServer<MyClaims>(fixture.options());
    expectTypeOf(rs).toEqualTypeOf<ExpressResourceServer<MyClaims>>();
    expectTypeOf(rs.contextOf).returns.toEqualTypeOf<RsContext<MyClaims> | undefined>();
    expectTypeOf<ExpressResourceServer['contextOf']>().returns.toEqualTypeOf<RsContext | undefined>();
  });
});
