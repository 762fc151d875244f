import { type TestIssuer, testIssuer } from '@rs/testkit';
import { Hono, type MiddlewareHandler } from 'hono';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createHonoResourceServer,
  type HonoRequestBody,
  type HonoResourceServerOptions,
} from '../src/index.js';
import { type LoopbackApp, serveOnLoopback } from './support/loopback.js';

// A middleware before the resource server's may read the body (a body-size check, a validator, a
// logger). Hono caches what its own readers (`c.req.parseBody()`, `text()`, `formData()`, …) read, and the
// resource server must find a form-body token there; a body read past Hono's cache cannot be seen, and the
// request must then not be decided without it.

let issuer: TestIssuer;
let served: LoopbackApp | undefined;
beforeAll(async () => {
  issuer = await testIssuer();
});
afterEach(async () => {
  await served?.close();
  served = undefined;
});

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };

const server = (options: Partial<HonoResourceServerOptions> = {}) =>
  createHonoResourceServer({
    resolver: issuer.resolver,
    tokenLocations: { authorizationHeader: true, formBody: true },
    ...options,
  });

/** An app whose `/items` route runs `readFirst`, then the resource server, then a handler echoing both. */
async function appReadingFirst(
  readFirst: MiddlewareHandler,
  options: Partial<HonoResourceServerOptions> = {},
): Promise<{ url: string; handler: ReturnType<typeof vi.fn> }> {
  const handler = vi.fn();
  const app = new Hono();
  app.post('/items', readFirst, server(options).protect(), async (c) => {
    handler();
    const body = await c.req.parseBody();
    return c.json({ subject: c.get('oauth2').subject, location: c.get('oauth2').location, note: body.note });
  });
  served = await serveOnLoopback(app);
  return { url: served.url('/items'), handler };
}

const parseBodyFirst: MiddlewareHandler = async (c, next) => {
  await c.req.parseBody();
  await next();
};

describe('a form body that Hono read before the middleware', () => {
  it.each<[string, MiddlewareHandler]>([
    ['c.req.parseBody()', parseBodyFirst],
    [
      'c.req.text()',
      async (c, next) => {
        await c.req.text();
        await next();
      },
    ],
    [
      'c.req.arrayBuffer()',
      async (c, next) => {
        await c.req.arrayBuffer();
        await next();
      },
    ],
    [
      'c.req.blob()',
      async (c, next) => {
        await c.req.blob();
        await next();
      },
    ],
    [
      'c.req.formData()',
      async (c, next) => {
        await c.req.formData();
        await next();
      },
    ],
  ])(
    'finds the token in a body read by %s, and the handler can read the body again',
    async (_, readFirst) => {
      const { url } = await appReadingFirst(readFirst);
      const token = await issuer.mint({ sub: 'alice' });
      const response = await fetch(url, {
        method: 'POST',
        headers: FORM,
        body: new URLSearchParams({ access_token: token, note: 'kept' }),
      });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ subject: 'alice', location: 'form-body', note: 'kept' });
    },
  );

  it.each<[string, MiddlewareHandler]>([
    ['c.req.parseBody()', parseBodyFirst],
    [
      'c.req.formData()',
      async (c, next) => {
        await c.req.formData();
        await next();
      },
    ],
  ])(
    'refuses a token in the header and one in a body read by %s as two methods (400)',
    async (_, readFirst) => {
      const { url, handler } = await appReadingFirst(readFirst);
      const token = await issuer.mint();
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...FORM, authorization: `Bearer ${token}` },
        body: new URLSearchParams({ access_token: token }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({
        error: 'invalid_request',
        code: 'multiple_token_methods',
      });
      expect(handler).not.toHaveBeenCalled();
    },
  );

  it('refuses an access_token parameter sent twice in a body read before', async () => {
    const { url } = await appReadingFirst(parseBodyFirst);
    const token = await issuer.mint();
    const response = await fetch(url, {
      method: 'POST',
      headers: FORM,
      body: `access_token=${token}&access_token=${token}`,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'multiple_token_methods' });
  });

  // A body larger than maxFormBodyBytes may hold a token: refused, never decided as if it held none (an
  // optional route would let it in as anonymous; beside a header token, a second method would pass).
  it.each<[string, MiddlewareHandler]>([
    ['c.req.parseBody()', parseBodyFirst],
    [
      'c.req.text()',
      async (c, next) => {
        await c.req.text();
        await next();
      },
    ],
    [
      'c.req.arrayBuffer()',
      async (c, next) => {
        await c.req.arrayBuffer();
        await next();
      },
    ],
    [
      'c.req.formData()',
      async (c, next) => {
        await c.req.formData();
        await next();
      },
    ],
    ['nothing', async (_c, next) => next()],
  ])(
    'refuses a body over maxFormBodyBytes read by %s with 400, with or without a header token',
    async (_, readFirst) => {
      const token = await issuer.mint();
      const body = new URLSearchParams({ access_token: token, note: 'x'.repeat(2048) });
      const { url, handler } = await appReadingFirst(readFirst, { maxFormBodyBytes: 1024 });
      for (const headers of [FORM, { ...FORM, authorization: `Bearer ${token}` }]) {
        const response = await fetch(url, { method: 'POST', headers, body });
        expect(response.status).toBe(400);
        expect(await response.json()).toEqual({
          error: 'invalid_request',
          error_description: 'The form body is too large to look for an access token in',
          code: 'malformed_authorization',
        });
      }
      expect(handler).not.toHaveBeenCalled();
    },
  );

  it.each<[string, MiddlewareHandler]>([
    ['c.req.parseBody()', parseBodyFirst],
    ['nothing', async (_c, next) => next()],
  ])(
    'refuses a body chunked past maxFormBodyBytes, with no Content-Length to go by, read by %s',
    async (_, readFirst) => {
      const { url, handler } = await appReadingFirst(readFirst, { maxFormBodyBytes: 1024 });
      const token = await issuer.mint();
      const chunks = [`access_token=${token}&note=`, 'x'.repeat(2048)];
      const body = new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk === undefined) controller.close();
          else controller.enqueue(new TextEncoder().encode(chunk));
        },
      });
      const response = await fetch(url, {
        method: 'POST',
        headers: { ...FORM, authorization: `Bearer ${token}` },
        body,
        duplex: 'half',
      } as RequestInit);
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ code: 'malformed_authorization' });
      expect(handler).not.toHaveBeenCalled();
    },
  );

  it('refuses, through authenticate(c.req), a body whose cached read failed', async () => {
    const rs = server();
    const token = await issuer.mint();
    const raw = new Request('https://api.example.test/items', {
      method: 'POST',
      headers: { ...FORM, authorization: `Bearer ${token}` },
      body: new URLSearchParams({ access_token: token }),
    });
    await raw.arrayBuffer();
    // What Hono's cache holds once a reader's promise rejected (the client went away mid-body).
    const failed = Promise.reject(new Error('connection reset'));
    failed.catch(() => undefined);
    const result = await rs.authenticate({ raw, bodyCache: { text: failed } } as unknown as HonoRequestBody);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.response.status).toBe(400);
    expect(await result.response.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The form body could not be read to look for an access token in',
      code: 'malformed_authorization',
    });
  });

  it('finds the token for authenticate(c.req) after the body was read', async () => {
    const rs = server();
    const app = new Hono().post('/greeting', async (c) => {
      await c.req.parseBody();
      const result = await rs.authenticate(c.req);
      return result.ok ? c.text(`hello ${result.context.subject}`) : result.response;
    });
    served = await serveOnLoopback(app);
    const response = await fetch(served.url('/greeting'), {
      method: 'POST',
      headers: FORM,
      body: new URLSearchParams({ access_token: await issuer.mint({ sub: 'dave' }) }),
    });
    expect(await response.text()).toBe('hello dave');
  });
});

describe('a form body read past Hono, which the middleware cannot see', () => {
  const rawTextFirst: MiddlewareHandler = async (c, next) => {
    await c.req.raw.text();
    await next();
  };

  it('fails closed: the handler never runs, not even for a valid header token, and the error names the cause', async () => {
    const errors: Error[] = [];
    const handler = vi.fn((c) => c.text('reached'));
    const app = new Hono();
    app.onError((error, c) => {
      errors.push(error);
      return c.text('failed', 500);
    });
    app.post('/items', rawTextFirst, server().protect(), handler);
    app.post('/optional', rawTextFirst, server().protectOptional(), handler);
    served = await serveOnLoopback(app);
    const token = await issuer.mint();
    for (const path of ['/items', '/optional']) {
      for (const headers of [FORM, { ...FORM, authorization: `Bearer ${token}` }]) {
        const response = await fetch(served.url(path), {
          method: 'POST',
          headers,
          body: new URLSearchParams({ access_token: token }),
        });
        expect(response.status).toBe(500);
      }
    }
    expect(handler).not.toHaveBeenCalled();
    expect(errors).toHaveLength(4);
    expect(errors[0]?.message).toContain('read before');
    expect(errors[0]).toMatchObject({ code: 'ERR_RS_FORM_BODY_READ' });
    expect(errors[0]?.message).not.toContain(token);
  });

  it('rejects authenticate(c.req.raw) on a consumed form body rather than deciding without it', async () => {
    const rs = server();
    const token = await issuer.mint();
    const request = new Request('https://api.example.test/items', {
      method: 'POST',
      headers: { ...FORM, authorization: `Bearer ${token}` },
      body: new URLSearchParams({ access_token: token }),
    });
    await request.text();
    await expect(rs.authenticate(request)).rejects.toThrow('read before');
  });

  it('decides as usual when the body could not hold a token: not a form, not POST/PUT/PATCH, form tokens off', async () => {
    const token = await issuer.mint({ sub: 'erin' });
    const app = new Hono();
    const consumeRaw: MiddlewareHandler = async (c, next) => {
      await c.req.raw.arrayBuffer();
      await next();
    };
    const off = server({ tokenLocations: { authorizationHeader: true } });
    app.post('/json', consumeRaw, server().protect(), (c) => c.text(c.get('oauth2').subject ?? ''));
    app.delete('/form', consumeRaw, server().protect(), (c) => c.text(c.get('oauth2').subject ?? ''));
    app.post('/off', consumeRaw, off.protect(), (c) => c.text(c.get('oauth2').subject ?? ''));
    served = await serveOnLoopback(app);
    const headers = { authorization: `Bearer ${token}` };
    const answers = await Promise.all([
      fetch(served.url('/json'), {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json' },
        body: '{"a":1}',
      }),
      fetch(served.url('/form'), { method: 'DELETE', headers: { ...headers, ...FORM }, body: 'a=1' }),
      fetch(served.url('/off'), { method: 'POST', headers: { ...headers, ...FORM }, body: 'a=1' }),
    ]);
    for (const answer of answers) expect(await answer.text()).toBe('erin');
  });
});
