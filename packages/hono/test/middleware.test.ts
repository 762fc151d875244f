import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createResourceServer, type OAuth2Context } from '@rs/core';
import { configRefusal, type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono } from 'hono';
import { beforeAll, describe, expect, expectTypeOf, it, vi } from 'vitest';
import { createHonoResourceServer, type HonoResourceServerOptions, type OAuth2Env } from '../src/index.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const server = (options: Partial<HonoResourceServerOptions> = {}) =>
  createHonoResourceServer({ resolver: issuer.resolver, ...options });
const bearer = async (claims?: Record<string, unknown>) => ({
  authorization: `Bearer ${await issuer.mint(claims)}`,
});

describe('protect', () => {
  it('answers a refused request with core rejection as is and never runs the handler', async () => {
    const handler = vi.fn(() => new Response('reached'));
    const app = new Hono().get('/items', server({ realm: 'items' }).protect(), handler);
    const response = await app.request('https://api.example.test/items');
    expect(handler).not.toHaveBeenCalled();
    expect(response.status).toBe(401);
    expect(Object.fromEntries(response.headers)).toEqual({
      'www-authenticate': 'Bearer realm="items"',
      'cache-control': 'no-store',
      'content-type': 'application/json',
    });
    expect(await response.json()).toEqual({
      error_description: 'No access token in the request',
      code: 'token_missing',
    });
  });

  it("sets c.get('oauth2'), typed, for the handlers after it", async () => {
    const app = new Hono().get('/me', server().protect({ scopes: ['read'] }), (c) => {
      expectTypeOf(c.get('oauth2')).toEqualTypeOf<OAuth2Context>();
      return c.json({ subject: c.get('oauth2').subject, scopes: [...c.get('oauth2').scopes] });
    });
    const response = await app.request('https://api.example.test/me', {
      headers: await bearer({ sub: 'alice', scope: 'read' }),
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ subject: 'alice', scopes: ['read'] });
  });

  it('protects a group with app.use and answers 403 with the scope the route wants', async () => {
    const rs = server();
    const app = new Hono<OAuth2Env>();
    app.use('/api/*', rs.protect({ scopes: ['write'] }));
    app.post('/api/items', (c) => c.text(c.get('oauth2').subject ?? ''));
    const refused = await app.request('https://api.example.test/api/items', {
      method: 'POST',
      headers: await bearer({ scope: 'read' }),
    });
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('scope="write"');
    const accepted = await app.request('https://api.example.test/api/items', {
      method: 'POST',
      headers: await bearer({ scope: 'write', sub: 'bob' }),
    });
    expect(await accepted.text()).toBe('bob');
  });

  it("extends the handler's cache-control instead of replacing it, also on an immutable response", async () => {
    const rs = server({ tokenLocations: { query: true } });
    const token = await issuer.mint();
    const mutable = new Hono().get('/items', rs.protect(), (c) => {
      c.header('cache-control', 'no-store');
      return c.text('ok');
    });
    // A response from fetch() has immutable headers: an upstream on loopback that says no-store.
    const upstream = createServer((_request, response) => {
      response.writeHead(200, { 'cache-control': 'no-store', 'content-type': 'text/plain' }).end('upstream');
    });
    await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
    const upstreamUrl = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}/`;
    try {
      const proxied = new Hono().get('/items', rs.protect(), async () => {
        const response = await fetch(upstreamUrl);
        expect(() => response.headers.set('x', '1')).toThrow(TypeError);
        return response;
      });
      const fromMutable = await mutable.request(`https://api.example.test/items?access_token=${token}`);
      expect(fromMutable.headers.get('cache-control')).toBe('no-store, private');
      const fromProxied = await proxied.request(`https://api.example.test/items?access_token=${token}`);
      expect(fromProxied.headers.get('cache-control')).toBe('no-store, private');
      expect(await fromProxied.text()).toBe('upstream');
    } finally {
      upstream.closeAllConnections();
      await new Promise((resolve) => upstream.close(resolve));
    }
  });

  it('leaves a form body readable by the handler', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    const app = new Hono().post('/items', rs.protect(), async (c) => {
      const body = await c.req.parseBody();
      return c.json({ note: body.note, location: c.get('oauth2').location });
    });
    const token = await issuer.mint();
    const response = await app.request('https://api.example.test/items', {
      method: 'POST',
      body: new URLSearchParams({ access_token: token, note: 'kept' }),
    });
    expect(await response.json()).toEqual({ note: 'kept', location: 'form-body' });
  });

  it('authenticate returns the decision without running anything', async () => {
    const rs = server();
    const refused = await rs.authenticate(new Request('https://api.example.test/items'));
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.response.status).toBe(401);
    const accepted = await rs.authenticate(
      new Request('https://api.example.test/items', { headers: await bearer({ sub: 'carol' }) }),
    );
    expect(accepted.ok && accepted.context.subject).toBe('carol');
  });

  it('uses a prebuilt resource server as it is', async () => {
    const resourceServer = createResourceServer({ resolver: issuer.resolver, realm: 'shared' });
    const rs = createHonoResourceServer({ resourceServer });
    expect(rs.resourceServer).toBe(resourceServer);
    const response = await new Hono()
      .get('/x', rs.protect(), (c) => c.text('ok'))
      .request('https://api.example.test/x');
    expect(response.headers.get('www-authenticate')).toBe('Bearer realm="shared"');
  });
});

describe('mistakes refused when the resource server is built', () => {
  it.each([
    [{ maxFormBodySize: 1024 }, 'maxFormBodySize', 'maxFormBodyBytes'],
    [{ publicURL: 'https://api.example.com' }, 'publicURL', 'publicUrl'],
  ])('refuses the misspelled option %o, naming the nearest one', (mistake, option, nearest) => {
    const error = configRefusal(() =>
      createHonoResourceServer({ ...issuer.options(), ...(mistake as object) }),
    );
    expect(error.option).toBe(option);
    expect(error.message).toContain(`did you mean "${nearest}"?`);
  });

  it('refuses a bad route policy when protect is called, not per request', () => {
    const error = configRefusal(() => server().protect({ scope: ['write'] } as never));
    expect(error.option).toBe('protect.policy.scope');
  });

  it('refuses DPoP without publicUrl', () => {
    expect(configRefusal(() => createHonoResourceServer(issuer.options({ dpop: true }))).option).toBe(
      'publicUrl',
    );
  });

  it("refuses an adapter's instance given as the resource server, by name rather than with a TypeError", () => {
    const adapter = createHonoResourceServer({ resolver: issuer.resolver });
    const error = configRefusal(() =>
      createHonoResourceServer({ resourceServer: adapter } as unknown as HonoResourceServerOptions),
    );
    expect(error.option).toBe('resourceServer');
    expect(error.message).toContain('createResourceServer');
  });

  it('refuses a route policy given as undefined (misspelt or unloaded), which would leave the route to the server policy', () => {
    const rs = createHonoResourceServer({ resolver: issuer.resolver });
    const policies: Record<string, { scopes: string[] }> = { admin: { scopes: ['admin'] } };
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(configRefusal(() => rs.protect(policies.admn)).option).toBe('protect.policy');
    expect(() => rs.protect()).not.toThrow();
  });
});
