import { createResourceServer, type OAuth2Context, RsConfigError } from '@rs/core';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createFetchResourceServer,
  type FetchResourceServerOptions,
  type ProtectedFetchHandler,
} from '../src/index.js';

let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await testIssuer();
});

const server = (options: Partial<FetchResourceServerOptions> = {}) =>
  createFetchResourceServer({ resolver: issuer.resolver, publicUrl: 'https://api.example.test', ...options });
const echo: ProtectedFetchHandler = (_request, oauth2) =>
  Response.json({ subject: oauth2.subject, location: oauth2.location });
const bearer = async (claims?: Record<string, unknown>) => ({
  authorization: `Bearer ${await issuer.mint(claims)}`,
});

describe('protect', () => {
  it('refuses two Authorization headers, which Fetch joins into one line, whichever comes first', async () => {
    const handler = vi.fn(echo);
    const optionalHandler = vi.fn(() => new Response('anonymous'));
    const { authorization } = await bearer({ sub: 'alice' });
    for (const first of ['Basic eDp5', authorization]) {
      const headers = new Headers();
      headers.append('authorization', first);
      headers.append('authorization', first === authorization ? 'Basic eDp5' : authorization);
      const request = new Request('http://localhost/items', { headers });
      const response = await server().protect(handler)(request);
      expect(response.status).toBe(400);
      expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
      const optional = await server().protectOptional(optionalHandler)(new Request(request));
      expect(optional.status).toBe(400);
    }
    expect(handler).not.toHaveBeenCalled();
    expect(optionalHandler).not.toHaveBeenCalled();
  });

  it('refuses a policy given where the handler goes, when the route is declared', () => {
    const policy = { scopes: ['admin'] } as never;
    expect(() => server().protect(policy)).toThrow(RsConfigError);
    expect(() => server().protect(policy)).toThrow(/protect\(handler\)/);
    expect(() => server().protectOptional(policy)).toThrow(/protectOptional\(handler\)/);
  });

  it('does not call the handler for a refused request, and answers with core rejection as is', async () => {
    const handler = vi.fn(echo);
    const response = await server({ realm: 'items' }).protect(handler)(new Request('http://localhost/items'));
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

  it('hands the handler the request, the context and the runtime arguments', async () => {
    const handler = vi.fn(
      (_request: Request, oauth2: OAuth2Context, env: { name: string }) =>
        new Response(`${env.name}:${oauth2.subject}`),
    );
    const request = new Request('http://localhost/items', { headers: await bearer({ sub: 'alice' }) });
    const response = await server().protect(handler)(request, { name: 'worker' });
    expect(await response.text()).toBe('worker:alice');
    expect(handler.mock.calls[0]![0]).toBe(request);
  });

  it('fails at protect() time, not per request, for a bad policy', () => {
    const bad = { scopes: 'read' } as unknown as { scopes: string[] };
    expect(() => server().protect(echo, bad)).toThrow(RsConfigError);
    expect(() => server().protect(echo, bad)).toThrow(/protect\.policy\.scopes/);
  });

  it('applies the route policy on top of the server policy', async () => {
    const handler = server({ policy: { scopes: ['read'] } }).protect(echo, { scopes: ['write'] });
    const status = async (scope: string) =>
      (
        await handler(
          new Request('http://localhost/items', { method: 'POST', headers: await bearer({ scope }) }),
        )
      ).status;
    expect([await status('read'), await status('write'), await status('read write')]).toEqual([
      403, 403, 200,
    ]);
  });

  it('authenticate leaves the body unread and returns the rejection with the response', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    const request = new Request('http://localhost/items', {
      method: 'POST',
      body: new URLSearchParams({ note: 'x' }),
    });
    const result = await rs.authenticate(request);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.rejection.code).toBe('token_missing');
      expect(result.response.status).toBe(401);
    }
    expect(request.bodyUsed).toBe(false);
    expect(await request.text()).toBe('note=x');
  });
});

describe('a form body read before the resource server', () => {
  it('is thrown on, never decided without: the form token in it could not be seen', async () => {
    const rs = server({ tokenLocations: { formBody: true } });
    const request = new Request('http://localhost/items', {
      method: 'POST',
      headers: { ...(await bearer({ sub: 'alice' })), 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ access_token: 'another-token' }),
    });
    await request.text(); // A wrapper that read it first.
    // Header and form tokens together are 400: with the form unseen, the header token alone would pass.
    await expect(rs.authenticate(request)).rejects.toMatchObject({ code: 'ERR_RS_FORM_BODY_READ' });
    await expect(rs.protect(echo)(request)).rejects.toMatchObject({ code: 'ERR_RS_FORM_BODY_READ' });
  });

  it('is no matter when core would not read it (form tokens off, or not a form)', async () => {
    const request = new Request('http://localhost/items', {
      method: 'POST',
      headers: await bearer({ sub: 'alice' }),
      body: new URLSearchParams({ note: 'x' }),
    });
    await request.text();
    expect((await server().authenticate(request)).ok).toBe(true);
  });
});

describe('success headers', () => {
  const queryTokenServer = () => server({ tokenLocations: { query: true } });
  const withQueryToken = async () =>
    new Request(`http://localhost/items?access_token=${await issuer.mint()}`);

  it('adds cache-control: private for a query token', async () => {
    const response = await queryTokenServer().protect(echo)(await withQueryToken());
    expect(response.headers.get('cache-control')).toBe('private');
    expect(await response.json()).toMatchObject({ location: 'query' });
  });

  it('extends a cache-control the handler set rather than weakening it', async () => {
    const handler = queryTokenServer().protect(
      () => new Response('ok', { headers: { 'Cache-Control': 'no-store' } }),
    );
    expect((await handler(await withQueryToken())).headers.get('cache-control')).toBe('no-store, private');
  });

  it('copies a response whose headers are immutable', async () => {
    const redirect = Response.redirect('https://api.example.test/elsewhere', 302);
    expect(() => redirect.headers.set('x', 'y')).toThrow(TypeError);
    const response = await queryTokenServer().protect(() => redirect)(await withQueryToken());
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('https://api.example.test/elsewhere');
    expect(response.headers.get('cache-control')).toBe('private');
  });

  it("passes on a handler's undefined, as Bun's after server.upgrade, with a query token too", async () => {
    // Bun: `if (server.upgrade(request)) return;` hands the connection to the WebSocket and answers nothing.
    const upgraded = (_request: Request, _oauth2: unknown, upgrade: () => boolean) =>
      upgrade() ? undefined : new Response('no upgrade', { status: 426 });
    const handler = queryTokenServer().protect(upgraded);
    const optionalHandler = queryTokenServer().protectOptional(upgraded);
    expect(await handler(await withQueryToken(), () => true)).toBeUndefined();
    expect(await optionalHandler(await withQueryToken(), () => true)).toBeUndefined();
    const refused = await handler(await withQueryToken(), () => false);
    expect(refused?.status).toBe(426);
    expect(refused?.headers.get('cache-control')).toBe('private');
    const unauthenticated = await handler(new Request('http://localhost/items'), () => true);
    expect(unauthenticated?.status).toBe(401);
  });

  it('returns the handler response itself when core adds no header', async () => {
    const returned = new Response('ok');
    const request = new Request('http://localhost/items', { headers: await bearer() });
    expect(await server().protect(() => returned)(request)).toBe(returned);
  });
});

describe('form bodies', () => {
  const formServer = (maxFormBodyBytes?: number) =>
    server({ tokenLocations: { formBody: true }, maxFormBodyBytes });
  const post = (body: BodyInit, headers: Record<string, string> = {}) =>
    new Request('http://localhost/items', { method: 'POST', body, headers, duplex: 'half' } as RequestInit);

  it('reads the token from the form and leaves the body to the handler', async () => {
    const token = await issuer.mint({ sub: 'bob' });
    const handler = formServer().protect(
      async (request, oauth2) => new Response(`${oauth2.location} ${await request.text()}`),
    );
    const response = await handler(post(new URLSearchParams({ access_token: token, note: 'hi' })));
    expect(await response.text()).toBe(`form-body access_token=${token}&note=hi`);
  });

  it('keeps a repeated access_token repeated, so core refuses it', async () => {
    const token = await issuer.mint();
    const body = new URLSearchParams([
      ['access_token', token],
      ['access_token', token],
    ]);
    const response = await formServer().protect(echo)(post(body));
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'multiple_token_methods' });
  });

  // A body too large to read may hold a token: refused, never decided as if it held none (beside a header
  // token it would be a second method; on an optional route, a client's way in as anonymous).
  const TOO_LARGE = {
    error: 'invalid_request',
    error_description: 'The form body is too large to look for an access token in',
    code: 'malformed_authorization',
  };

  it('refuses a form body over maxFormBodyBytes with 400, and leaves it whole to the handler', async () => {
    const token = await issuer.mint();
    const body = new URLSearchParams({ access_token: token, padding: 'x'.repeat(2048) });
    const headerSets: Record<string, string>[] = [{}, { authorization: `Bearer ${token}` }];
    for (const headers of headerSets) {
      const response = await formServer(1024).protect(echo)(post(body, headers));
      expect(response.status).toBe(400);
      expect(await response.json()).toEqual(TOO_LARGE);
      const optional = await formServer(1024).protectOptional(() => new Response('in'))(post(body, headers));
      expect(optional.status).toBe(400);
    }
    expect((await formServer(4096).protect(echo)(post(body))).status).toBe(200);
    const request = post(body);
    expect((await formServer(1024).authenticate(request)).ok).toBe(false);
    expect(await request.text()).toBe(body.toString());
  });

  it('does not start reading a body whose content-length is over the limit, and refuses it', async () => {
    const token = await issuer.mint();
    const type = 'application/x-www-form-urlencoded';
    const declared = post(`access_token=${token}`, {
      'content-type': type,
      'content-length': '4096',
      authorization: `Bearer ${token}`,
    });
    const response = await formServer(1024).protect(echo)(declared);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual(TOO_LARGE);
  });

  it('stops reading a streamed body without content-length once it passes maxFormBodyBytes, and refuses it', async () => {
    const token = await issuer.mint();
    const streamOf = (text: string) =>
      new ReadableStream<Uint8Array>({
        start(controller) {
          const bytes = new TextEncoder().encode(text);
          for (let i = 0; i < bytes.length; i += 256) controller.enqueue(bytes.slice(i, i + 256));
          controller.close();
        },
      });
    const type = { 'content-type': 'application/x-www-form-urlencoded' };
    const small = await formServer(1024).protect(echo)(post(streamOf(`access_token=${token}`), type));
    expect(small.status).toBe(200);
    const large = await formServer(1024).protect(echo)(
      post(streamOf(`access_token=${token}&p=${'x'.repeat(2048)}`), {
        ...type,
        authorization: `Bearer ${token}`,
      }),
    );
    expect(large.status).toBe(400);
    expect(await large.json()).toEqual(TOO_LARGE);
  });

  it('refuses a form body that fails to arrive with 400, rather than read it as holding no token', async () => {
    const token = await issuer.mint();
    const failing = new ReadableStream<Uint8Array>({
      pull(controller) {
        controller.error(new Error('connection reset'));
      },
    });
    const response = await formServer().protect(echo)(
      post(failing, {
        'content-type': 'application/x-www-form-urlencoded',
        authorization: `Bearer ${token}`,
      }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The form body could not be read to look for an access token in',
      code: 'malformed_authorization',
    });
  });

  it('ignores the body when form tokens are off, or when it is not a form', async () => {
    const token = await issuer.mint();
    const off = await server().protect(echo)(post(new URLSearchParams({ access_token: token })));
    expect(off.status).toBe(401);
    const json = await formServer().protect(echo)(
      post(`access_token=${token}`, { 'content-type': 'text/plain' }),
    );
    expect(json.status).toBe(401);
  });
});

describe('public URL', () => {
  const seenUrl = () => {
    const urls: string[] = [];
    const scopes = (request: { url: string }) => {
      urls.push(request.url);
      return [];
    };
    return { urls, policy: { scopes } };
  };

  it('uses request.url by default, so plain HTTP is refused unless requireHttps is off', async () => {
    const rs = createFetchResourceServer({ resolver: issuer.resolver });
    const response = await rs.protect(echo)(
      new Request('http://internal:8080/items', { headers: await bearer() }),
    );
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'https_required' });
  });

  it('puts path and query under the configured public base', async () => {
    const { urls, policy } = seenUrl();
    const handler = server({ publicUrl: 'https://api.example.test/v1/' }).protect(echo, policy);
    const response = await handler(
      new Request('http://internal:8080/items?page=2', { headers: await bearer() }),
    );
    expect(response.status).toBe(200);
    expect(urls).toEqual(['https://api.example.test/v1/items?page=2']);
  });

  it('refuses a publicUrl that cannot be a base', () => {
    for (const publicUrl of [
      'api.example.test',
      'ftp://api.example.test',
      'https://api.example.test/?a=1',
      'https://u:p@api.example.test',
    ]) {
      expect(() => server({ publicUrl })).toThrow(RsConfigError);
      expect(() => server({ publicUrl })).toThrow(/publicUrl/);
    }
  });

  it('refuses a bad maxFormBodyBytes at start-up', () => {
    expect(() => server({ maxFormBodyBytes: 1.5 })).toThrow(/maxFormBodyBytes/);
  });
});

describe('a prebuilt resource server', () => {
  it('is used as it is, with its own options, beside the adapter settings', async () => {
    const shared = createResourceServer({
      resolver: issuer.resolver,
      realm: 'shared',
      policy: { scopes: ['read'] },
    });
    const rs = createFetchResourceServer({ resourceServer: shared, publicUrl: 'https://api.example.test' });
    expect(rs.resourceServer).toBe(shared);
    const handler = rs.protect(echo);
    const request = async (scope: string) =>
      handler(new Request('http://internal:8080/items', { headers: await bearer({ sub: 'alice', scope }) }));
    const accepted = await request('read');
    expect(await accepted.json()).toEqual({ subject: 'alice', location: 'authorization-header' });
    const refused = await request('write');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('www-authenticate')).toContain('realm="shared"');
  });

  it('fails at start-up when it is not a resource server', () => {
    const notOne = { resourceServer: {} } as unknown as FetchResourceServerOptions;
    expect(() => createFetchResourceServer(notOne)).toThrow(RsConfigError);
    expect(() => createFetchResourceServer(notOne)).toThrow(/"resourceServer"/);
  });

  it("fails at start-up, by name, when given an adapter's instance instead of the core resource server", () => {
    const adapter = createFetchResourceServer({ resolver: issuer.resolver });
    const build = () =>
      createFetchResourceServer({ resourceServer: adapter } as unknown as FetchResourceServerOptions);
    expect(build).toThrow(RsConfigError);
    expect(build).toThrow(/"resourceServer".*createResourceServer/);
    expect(() => createFetchResourceServer({ resourceServer: adapter.resourceServer })).not.toThrow();
  });

  it('refuses a route policy given as undefined (misspelt or unloaded), which would leave the route to the server policy', () => {
    const rs = createFetchResourceServer({ resolver: issuer.resolver });
    const policies: Record<string, { scopes: string[] }> = { admin: { scopes: ['admin'] } };
    const handler = () => new Response('ok');
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(() => rs.protect(handler, policies.admn)).toThrow(/"protect.policy": is undefined/);
    // @ts-expect-error the types refuse `AccessPolicy | undefined` too
    expect(() => rs.protectOptional(handler, policies.admn)).toThrow(
      /"protectOptional.policy": is undefined/,
    );
    expect(() => rs.protect(handler)).not.toThrow();
  });
});
