import type { RsContext } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { afterEach, beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createHonoResourceServer, type OAuth2Env } from '../src/index.js';
import { type LoopbackApp, serveOnLoopback } from './support/loopback.js';

// Optional authentication per route and the application's claims type, as every adapter offers them:
// a Hono app served by @hono/node-server on loopback, requests sent over real HTTP.

interface TenantClaims {
  readonly sub: string;
  readonly tenant: string;
}

let issuer: TestIssuer;
let served: LoopbackApp | undefined;
beforeAll(async () => {
  issuer = await testIssuer();
});
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const bearer = async (claims?: Record<string, unknown>) => ({
  authorization: `Bearer ${await issuer.mint(claims)}`,
});

describe('protectOptional', () => {
  async function feedApp() {
    const rs = createHonoResourceServer<TenantClaims>({ resolver: issuer.resolver, realm: 'feed' });
    const handler = vi.fn();
    const app = new Hono().get('/feed', rs.protectOptional({ scopes: ['read'] }), (c) => {
      handler();
      const oauth2 = c.get('oauth2');
      expectTypeOf(oauth2).toEqualTypeOf<RsContext<TenantClaims> | undefined>();
      return c.json({ personal: oauth2 !== undefined, tenant: oauth2?.claims.tenant ?? null });
    });
    served = await serveOnLoopback(app);
    return { url: served.url('/feed'), handler };
  }

  it('runs the handler without a context for a request without any token', async () => {
    const { url, handler } = await feedApp();
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ personal: false, tenant: null });
    expect(handler).toHaveBeenCalledOnce();
  });

  it('sets the context for a good token, and checks the route policy', async () => {
    const { url } = await feedApp();
    const accepted = await fetch(url, { headers: await bearer({ scope: 'read', tenant: 'acme' }) });
    expect(await accepted.json()).toEqual({ personal: true, tenant: 'acme' });
    const lacking = await fetch(url, { headers: await bearer({ scope: 'write', tenant: 'acme' }) });
    expect(lacking.status).toBe(403);
    expect(lacking.headers.get('www-authenticate')).toContain('scope="read"');
  });

  it('answers a bad token 401 and a malformed header 400, never as anonymous', async () => {
    const { url, handler } = await feedApp();
    const forged = `${(await issuer.mint({ scope: 'read' })).slice(0, -4)}AAAA`;
    const bad = await fetch(url, { headers: { authorization: `Bearer ${forged}` } });
    expect(bad.status).toBe(401);
    expect(bad.headers.get('www-authenticate')).toMatch(/^Bearer realm="feed", error="invalid_token"/);
    const malformed = await fetch(url, { headers: { authorization: 'Bearer' } });
    expect(malformed.status).toBe(400);
    expect(handler).not.toHaveBeenCalled();
  });

  it('refuses a bad route policy when called, and one given as undefined', () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver });
    expect(() => rs.protectOptional({ scope: ['read'] } as never)).toThrow(
      expect.objectContaining({ option: 'protectOptional.policy.scope' }),
    );
    const policies: Record<string, { scopes: string[] }> = {};
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(() => rs.protectOptional(policies.feed)).toThrow(
      expect.objectContaining({ option: 'protectOptional.policy' }),
    );
  });
});

describe('the claims type argument', () => {
  it("types c.get('oauth2').claims on protected routes, on a typed app and through authenticate", async () => {
    const rs = createHonoResourceServer<TenantClaims>({ resolver: issuer.resolver });
    const app = new Hono<OAuth2Env<TenantClaims>>();
    app.use('/api/*', rs.protect());
    app.get('/api/tenant', (c) => {
      expectTypeOf(c.get('oauth2').claims.tenant).toEqualTypeOf<string>();
      return c.text(c.get('oauth2').claims.tenant);
    });
    app.get('/decide', async (c) => {
      const result = await rs.authenticate(c.req);
      if (!result.ok) return result.response;
      expectTypeOf(result.context).toEqualTypeOf<RsContext<TenantClaims>>();
      return c.text(result.context.claims.tenant);
    });
    served = await serveOnLoopback(app);
    const headers = await bearer({ tenant: 'globex' });
    expect(await (await fetch(served.url('/api/tenant'), { headers })).text()).toBe('globex');
    expect(await (await fetch(served.url('/decide'), { headers })).text()).toBe('globex');
  });

  it('defaults to the plain claims record, also for ReturnType', () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver });
    expectTypeOf(rs.protect()).toEqualTypeOf<
      ReturnType<ReturnType<typeof createHonoResourceServer>['protect']>
    >();
    new Hono().get('/x', rs.protect(), (c) => {
      expectTypeOf(c.get('oauth2')).toEqualTypeOf<RsContext>();
      return c.text('');
    });
  });
});
