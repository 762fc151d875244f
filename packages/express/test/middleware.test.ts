import { createResourceServer, RsConfigError } from '@rs/core';
import { sendHttp, type TestIssuer, testIssuer } from '@rs/testkit';
import type { NextFunction, Request, Response } from 'express';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RsRejectionError, rsExpress } from '../src/index.js';
import { FRAMEWORKS } from './frameworks.js';
import { closeAll, serve } from './serve.js';

let fixture: TestIssuer;
let authorization: string;
beforeAll(async () => {
  fixture = await testIssuer();
  authorization = `Bearer ${await fixture.mint({ sub: 'alice', scope: 'read' })}`;
});
afterEach(closeAll);

const echoSubject = (req: Request, res: Response) => {
  res.json({ subject: req.oauth2?.subject ?? null });
};

describe.each(FRAMEWORKS)('$name', ({ express }) => {
  describe('protection', () => {
    it('protects what follows app.use(protect()), and not what precedes it', async () => {
      const app = express();
      const protect = rsExpress(fixture.options());
      app.get('/health', echoSubject);
      app.use(protect());
      app.get('/items', echoSubject);
      const { url } = await serve(app);

      expect(await sendHttp(url, { method: 'GET', path: '/health' })).toMatchObject({
        status: 200,
        body: { subject: null },
      });
      expect((await sendHttp(url, { method: 'GET', path: '/items' })).status).toBe(401);
      expect(
        await sendHttp(url, { method: 'GET', path: '/items', headers: { authorization } }),
      ).toMatchObject({
        status: 200,
        body: { subject: 'alice' },
      });
    });

    it("extends the application's Cache-Control with private for a query token, never weakens it", async () => {
      const app = express();
      const protect = rsExpress(fixture.options({ tokenLocations: { query: true } }));
      app.use((_req: Request, res: Response, next: NextFunction) => {
        res.setHeader('cache-control', 'no-store');
        next();
      });
      app.get('/items', protect(), echoSubject);
      const { url } = await serve(app);
      const token = authorization.slice('Bearer '.length);
      const response = await sendHttp(url, { method: 'GET', path: `/items?access_token=${token}` });
      expect(response.status).toBe(200);
      expect(response.headers['cache-control']).toBe('no-store, private');
    });

    it.each([
      ['public, max-age=60', 'public, max-age=60, private'],
      ['no-store', 'no-store, private'],
      ['private, max-age=60', 'private, max-age=60'],
    ])('keeps private for a query token when the handler sets Cache-Control: %s', async (own, sent) => {
      const app = express();
      const protect = rsExpress(fixture.options({ tokenLocations: { query: true } }));
      app.get('/items', protect(), (_req: Request, res: Response) => {
        res.setHeader('cache-control', own);
        res.json({ ok: true });
      });
      app.get('/items-head', protect(), (_req: Request, res: Response) => {
        res.writeHead(200, { 'Cache-Control': own, 'content-type': 'text/plain' }).end('ok');
      });
      const { url } = await serve(app);
      const token = authorization.slice('Bearer '.length);
      for (const path of ['/items', '/items-head']) {
        const response = await sendHttp(url, { method: 'GET', path: `${path}?access_token=${token}` });
        expect(response.status).toBe(200);
        expect(response.headers['cache-control']).toBe(sent);
      }
      // A header token: nothing of core's, the handler's own value alone.
      const fromHeader = await sendHttp(url, { method: 'GET', path: '/items', headers: { authorization } });
      expect(fromHeader.headers['cache-control']).toBe(own);
    });

    it("keeps private when writeHead gets Node's flat header array, and leaves a shared headers object alone", async () => {
      const app = express();
      const protect = rsExpress(fixture.options({ tokenLocations: { query: true } }));
      // One object for every response, as a module constant; frozen, so that a change to it would throw.
      const sharedHeaders = Object.freeze({ 'Cache-Control': 'public, max-age=60' });
      app.get('/pairs', protect(), (_req: Request, res: Response) => {
        res
          .writeHead(200, ['Cache-Control', 'public', 'cache-control', 'max-age=60', 'x-kept', 'yes'])
          .end('ok');
      });
      app.get('/shared', protect(), (_req: Request, res: Response) => {
        res.writeHead(200, 'OK', sharedHeaders).end('ok');
      });
      const { url } = await serve(app);
      const token = authorization.slice('Bearer '.length);
      const pairs = await sendHttp(url, { method: 'GET', path: `/pairs?access_token=${token}` });
      expect(pairs.status).toBe(200);
      expect(pairs.headers['cache-control']).toBe('public, max-age=60, private');
      expect(pairs.headers['x-kept']).toBe('yes');
      const shared = await sendHttp(url, { method: 'GET', path: `/shared?access_token=${token}` });
      expect(shared.status).toBe(200);
      expect(shared.headers['cache-control']).toBe('public, max-age=60, private');
      const fromHeader = await sendHttp(url, { method: 'GET', path: '/shared', headers: { authorization } });
      expect(fromHeader.headers['cache-control']).toBe('public, max-age=60');
      expect(sharedHeaders).toEqual({ 'Cache-Control': 'public, max-age=60' });
    });

    it('applies the route policy on top of the server-wide policy', async () => {
      const app = express();
      const protect = rsExpress(fixture.options({ policy: { scopes: ['read'] } }));
      app.get('/items', protect({ scopes: ['write'] }), echoSubject);
      const { url } = await serve(app);

      const response = await sendHttp(url, { method: 'GET', path: '/items', headers: { authorization } });
      expect(response.status).toBe(403);
      // The challenge names what both policies need (the server-wide scopes first).
      expect(response.headers['www-authenticate']).toContain('scope="read write"');
    });

    it('takes a form-body token from express.urlencoded, simple or extended', async () => {
      const app = express();
      const protect = rsExpress(fixture.options({ tokenLocations: { formBody: true } }));
      app.post('/simple', express.urlencoded({ extended: false }), protect(), echoSubject);
      app.post('/extended', express.urlencoded({ extended: true }), protect(), echoSubject);
      const { url } = await serve(app);

      const token = await fixture.mint({ sub: 'bob' });
      for (const path of ['/simple', '/extended']) {
        const response = await sendHttp(url, { method: 'POST', path, form: { access_token: token } });
        expect(response).toMatchObject({ status: 200, body: { subject: 'bob' } });
      }
    });

    // The form body is read from what express.urlencoded() parsed: a body another parser left as text or
    // bytes (or an empty record, Express 4's placeholder) may hold a token, and is refused rather than
    // decided as if it held none.
    it('refuses a form body express.text() or express.raw() left unparsed with 400', async () => {
      const app = express();
      const protect = rsExpress(fixture.options({ tokenLocations: { formBody: true } }));
      const form = 'application/x-www-form-urlencoded';
      app.post('/text', express.text({ type: form }), protect(), echoSubject);
      app.post('/raw', express.raw({ type: form }), protect(), echoSubject);
      const { url } = await serve(app);

      const token = await fixture.mint({ sub: 'bob' });
      for (const path of ['/text', '/raw']) {
        const beside = await sendHttp(url, {
          method: 'POST',
          path,
          headers: { authorization },
          form: { access_token: token },
        });
        expect(beside.status, path).toBe(400);
        expect(beside.body).toMatchObject({ error: 'invalid_request', code: 'malformed_authorization' });
        const alone = await sendHttp(url, { method: 'POST', path, form: { access_token: token } });
        expect(alone.status, path).toBe(400);
      }
    });

    it('accepts a prebuilt resource server', async () => {
      const app = express();
      const protect = rsExpress({ resourceServer: createResourceServer(fixture.options()) });
      app.get('/items', protect(), echoSubject);
      const { url } = await serve(app);

      expect(
        (await sendHttp(url, { method: 'GET', path: '/items', headers: { authorization } })).status,
      ).toBe(200);
    });
  });

  describe('the request core sees', () => {
    it('has the method, absolute URL from originalUrl, headers and the socket peer address', async () => {
      const app = express();
      const router = express.Router();
      router.get('/items', rsExpress(fixture.options())(), echoSubject);
      app.use('/api', router);
      const { url } = await serve(app);

      await sendHttp(url, {
        method: 'GET',
        path: '/api/items?page=2',
        headers: { authorization, 'x-extra': 'y' },
      });
      const seen = fixture.seen.at(-1)!;
      expect(seen).toMatchObject({ method: 'GET', url: `${url}/api/items?page=2`, peerAddress: '127.0.0.1' });
      // One field line: the value alone or in a list of one; both are core's RsHeaders.
      expect([seen.headers['x-extra']].flat()).toEqual(['y']);
    });

    it("follows the app's trust proxy setting for the scheme, and keeps the socket's peer address", async () => {
      const trusting = express();
      trusting.set('trust proxy', true);
      const strict = express();
      for (const app of [trusting, strict])
        app.get('/items', rsExpress(fixture.options({ requireHttps: true }))(), echoSubject);
      const headers = { authorization, 'x-forwarded-proto': 'https', 'x-forwarded-for': '203.0.113.9' };

      const trusted = await sendHttp((await serve(trusting)).url, { method: 'GET', path: '/items', headers });
      expect(trusted.status).toBe(200);
      expect(fixture.seen.at(-1)?.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+\/items$/);
      expect(fixture.seen.at(-1)?.peerAddress).toBe('127.0.0.1');
      // Without trust proxy the forwarded scheme is ignored: core sees plain http (accepted here only
      // because the host is loopback, as for local development).
      const untrusted = await sendHttp((await serve(strict)).url, { method: 'GET', path: '/items', headers });
      expect(untrusted.status).toBe(200);
      expect(fixture.seen.at(-1)?.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/items$/);
    });

    it('uses the publicUrl option as the base of the URL', async () => {
      const app = express();
      const protect = rsExpress({
        ...fixture.options({ requireHttps: true }),
        publicUrl: 'https://api.example.com',
      });
      app.get('/items', protect(), echoSubject);
      const { url } = await serve(app);

      expect(
        (await sendHttp(url, { method: 'GET', path: '/items?x=1', headers: { authorization } })).status,
      ).toBe(200);
      expect(fixture.seen.at(-1)?.url).toBe('https://api.example.com/items?x=1');
    });
  });

  describe('rejections', () => {
    it("answer with exactly core's status, headers and JSON body", async () => {
      const app = express();
      app.get('/items', rsExpress(fixture.options())(), echoSubject);
      const { url } = await serve(app);

      const response = await sendHttp(url, {
        method: 'GET',
        path: '/items',
        headers: { authorization: 'Bearer a b' },
      });
      const expected = await createResourceServer(fixture.options()).authenticate({
        method: 'GET',
        url: `${url}/items`,
        headers: { authorization: 'Bearer a b' },
      });
      if (expected.ok) throw new Error('expected a rejection');
      expect(response.status).toBe(expected.rejection.status);
      expect(response.headers).toMatchObject(expected.rejection.headers);
      expect(response.body).toEqual(expected.rejection.body);
    });

    it("go to next(err) as an RsRejectionError with onRejection: 'next'", async () => {
      const app = express();
      const protect = rsExpress({ ...fixture.options(), onRejection: 'next' });
      const errors: unknown[] = [];
      app.get('/items', protect({ scopes: ['admin'] }), echoSubject);
      app.use((err: unknown, _req: Request, res: Response, next: NextFunction) => {
        errors.push(err);
        if (!(err instanceof RsRejectionError)) return next(err);
        res
          .status(err.status)
          .set(err.headers)
          .json({ custom: true, ...err.rejection.body });
      });
      const { url } = await serve(app);

      const response = await sendHttp(url, { method: 'GET', path: '/items', headers: { authorization } });
      expect(response).toMatchObject({ status: 403, body: { custom: true, code: 'insufficient_scope' } });
      expect(response.headers['www-authenticate']).toContain('error="insufficient_scope"');
      const [error] = errors;
      expect(error).toBeInstanceOf(RsRejectionError);
      expect(error).toMatchObject({
        name: 'RsRejectionError',
        code: 'ERR_RS_REJECTED',
        status: 403,
        statusCode: 403,
        expose: true,
        headers: { 'www-authenticate': expect.stringContaining('Bearer') },
        rejection: { code: 'insufficient_scope' },
      });
    });

    it('are answered as with respond when the app has no error middleware', async () => {
      const app = express();
      app.get('/items', rsExpress({ ...fixture.options(), onRejection: 'next' })(), echoSubject);
      const { url } = await serve(app);

      const response = await sendHttp(url, { method: 'GET', path: '/items' });
      expect(response.status).toBe(401);
      expect(response.headers['www-authenticate']).toBe('Bearer realm="test"');
      expect(response.body).toEqual({
        error_description: 'No access token in the request',
        code: 'token_missing',
      });
    });
  });

  it('passes a bug in the resource server to next(err)', async () => {
    const app = express();
    const broken = { resolve: () => Promise.reject(new Error('resolver bug')) };
    const errors: unknown[] = [];
    app.get('/items', rsExpress(fixture.options({ resolver: broken }))(), echoSubject);
    app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
      errors.push(err);
      res.status(500).json({ failed: true });
    });
    const { url } = await serve(app);

    const response = await sendHttp(url, { method: 'GET', path: '/items', headers: { authorization } });
    expect(response).toMatchObject({ status: 500, body: { failed: true } });
    expect(errors).toMatchObject([{ message: 'resolver bug' }]);
  });
});

describe('configuration errors', () => {
  it('refuses a bad route policy when protect(policy) is called', () => {
    const protect = rsExpress(fixture.options());
    expect(() => protect({ scopes: [''] })).toThrow(RsConfigError);
    expect(() => protect({ scopes: [''] })).toThrow(/protect\(policy\)\.scopes/);
  });

  it.each([
    [{ onRejection: 'throw' }, 'onRejection'],
    [{ publicUrl: '/relative' }, 'publicUrl'],
    [{ realm: 'a"b' }, 'realm'],
  ])('refuses option %o', (settings, option) => {
    expect(() => rsExpress({ ...fixture.options(), ...(settings as object) })).toThrow(
      expect.objectContaining({ name: 'RsConfigError', option }),
    );
  });
});
