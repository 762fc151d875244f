import {
  createServer,
  request as httpRequest,
  type IncomingHttpHeaders,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createContext,
  createResourceServer,
  jwtResolver,
  type OAuth2Context,
  type ResourceServer,
  type RsRequest,
  sharedSecret,
  tokenInfoFromClaims,
  upstreamHeaders,
} from '../../src/index.js';
import { API_URL, AUDIENCE, expectAccepted, hmacKey, ISSUER, mint, NOW_MS, randomBytes } from '../helpers.js';

// The resource server reads tokens from every location there is, each under a name of its own (NGINX's
// `apiAccessToken` header, ForgeRock's `queryAuthz` parameter): the upstream must see the token in none.
const TOKEN_LOCATIONS = {
  authorizationHeader: true,
  header: 'apiAccessToken',
  cookie: 'at',
  query: true,
  queryParameter: 'queryAuthz',
  formBody: true,
} as const;
const FORM = 'application/x-www-form-urlencoded';

let rs: ResourceServer;
let token: string;

beforeAll(async () => {
  const secret = randomBytes(32);
  rs = createResourceServer({
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(secret) }),
    tokenLocations: TOKEN_LOCATIONS,
    clock: () => NOW_MS,
  });
  token = await mint(await hmacKey(secret), { username: 'nginx-user' });
});

const forwarded = () => upstreamHeaders({ claims: ['sub', 'username'] });

async function accepted(request: Partial<RsRequest>): Promise<OAuth2Context> {
  return expectAccepted(await rs.authenticate({ method: 'GET', url: API_URL, headers: {}, ...request }));
}

describe('the client token stops at the resource server, wherever it came', () => {
  it('from the Authorization header, as before', async () => {
    const headers = { authorization: `Bearer ${token}`, accept: 'application/json' };
    const context = await accepted({ headers });
    expect(forwarded().rewrite(headers, context)).toEqual({
      accept: 'application/json',
      'x-token-sub': 'user-123',
      'x-token-username': 'nginx-user',
    });
  });

  it('from a custom header, whatever its name and spelling', async () => {
    const headers = { apiAccessToken: token, accept: 'application/json' };
    const context = await accepted({ headers: { apiaccesstoken: token, accept: 'application/json' } });
    expect(context.location).toBe('custom-header');
    expect(forwarded().rewrite(headers, context)).toEqual({
      accept: 'application/json',
      'x-token-sub': 'user-123',
      'x-token-username': 'nginx-user',
    });
  });

  it('from a cookie: that cookie is removed, the others kept, on one line or several', async () => {
    const cookie = `theme=dark; at=${token}; lang=en`;
    const context = await accepted({ headers: { cookie } });
    expect(context.location).toBe('cookie');
    expect(forwarded().rewrite({ cookie }, context).cookie).toBe('theme=dark; lang=en');
    // HTTP/2 may send one line per cookie; a quoted value is the same cookie.
    expect(forwarded().rewrite({ cookie: ['theme=dark', `at="${token}"`] }, context).cookie).toEqual([
      'theme=dark',
    ]);
    expect(forwarded().rewrite({ Cookie: `at=${token}` }, context)).not.toHaveProperty('cookie');
  });

  it('from a cookie: a Cookie header that does not parse strictly is removed whole', async () => {
    const context = await accepted({ headers: { cookie: `at=${token}` } });
    for (const cookie of [
      `at=${token}; theme=dark blue`, // a space in a value
      `at=${token}; flag`, // a pair without `=`
      `prefs=a,at=${token}`, // a comma, where RFC 2965 parsers start another cookie
      `at=${token}; "quoted name"=x`,
    ]) {
      expect(forwarded().rewrite({ cookie, accept: '*/*' }, context), cookie).toEqual({
        accept: '*/*',
        'x-token-sub': 'user-123',
        'x-token-username': 'nginx-user',
      });
    }
    // A Cookie header without the token is the client's business, and passes as it came.
    expect(forwarded().rewrite({ cookie: 'theme=dark blue' }, context).cookie).toBe('theme=dark blue');
  });

  it('from the query: rewriteUrl drops the parameter, however it is spelled, and keeps the rest', async () => {
    const url = `https://api.example.com/my/test/api?page=2&queryAuthz=${token}&sort=asc#top`;
    const context = await accepted({ url });
    expect(context.location).toBe('query');
    const upstream = forwarded();
    expect(upstream.rewriteUrl(url, context)).toBe('https://api.example.com/my/test/api?page=2&sort=asc#top');
    expect(upstream.rewriteUrl(`/my/test/api?queryAuthz=${token}`, context)).toBe('/my/test/api');
    // Percent-encoded, the parameter's name or the token itself is what the extractor read all the same.
    const encoded = `/api?query%41uthz=%${token.charCodeAt(0).toString(16)}${token.slice(1)}&q=a+b%20c`;
    expect(
      expectAccepted(
        await rs.authenticate({ method: 'GET', url: `https://api.example.com${encoded}`, headers: {} }),
      ).location,
    ).toBe('query');
    expect(upstream.rewriteUrl(encoded, context)).toBe('/api?q=a+b%20c');
    // A URL without the token is left exactly as written.
    expect(upstream.rewriteUrl('/api?a=1&&b=%41#?queryAuthz=x', context)).toBe(
      '/api?a=1&&b=%41#?queryAuthz=x',
    );
  });

  it('from the query: a header quoting the URL (Referer, X-Original-URI) is removed', async () => {
    const url = `https://api.example.com/api?queryAuthz=${token}`;
    const context = await accepted({ url });
    expect(
      Object.keys(
        forwarded().rewrite({ referer: url, 'x-original-uri': `/api?queryAuthz=${token}` }, context),
      ),
    ).toEqual(['x-token-sub', 'x-token-username']);
  });

  it('from the form body: rewriteForm drops the field, and rewrite the stale Content-Length', async () => {
    const body = `item=42&access_token=${token}&note=a+b`;
    const headers = { 'content-type': FORM, 'content-length': String(body.length) };
    const context = await accepted({
      method: 'POST',
      headers,
      form: Object.fromEntries(new URLSearchParams(body)),
    });
    expect(context.location).toBe('form-body');
    const upstream = forwarded();
    expect(upstream.rewriteForm(body, context)).toBe('item=42&note=a+b');
    expect(upstream.rewrite(headers, context)).toEqual({
      'content-type': FORM,
      'x-token-sub': 'user-123',
      'x-token-username': 'nginx-user',
    });
  });

  it('and a copy of the token the server did not read is removed too', async () => {
    const headers = {
      authorization: `Bearer ${token}`,
      'x-forwarded-access-token': token,
      cookie: `copy=${token}`,
    };
    const context = await accepted({ headers: { authorization: headers.authorization } });
    expect(forwarded().rewrite(headers, context)).toEqual({
      'x-token-sub': 'user-123',
      'x-token-username': 'nginx-user',
    });
    expect(forwarded().rewriteUrl(`/api?copy=${token}`, context)).toBe('/api');
    expect(forwarded().rewriteForm(`copy=${token}`, context)).toBe('');
  });

  it('unless forwardCredentials keeps the credentials as the client sent them', async () => {
    const cookie = `theme=dark; at=${token}`;
    const context = await accepted({ headers: { cookie } });
    const keeping = upstreamHeaders({ claims: ['sub'], forwardCredentials: true });
    expect(keeping.rewrite({ cookie, apiaccesstoken: token }, context)).toMatchObject({
      cookie,
      apiaccesstoken: token,
    });
    expect(keeping.rewriteUrl(`/api?queryAuthz=${token}`, context)).toBe(`/api?queryAuthz=${token}`);
    expect(keeping.rewriteForm(`access_token=${token}`, context)).toBe(`access_token=${token}`);
  });

  it('refuses a context without a token, when only the token could tell what to remove', () => {
    const info = tokenInfoFromClaims({ sub: 'alice' }, 'jwt');
    const handMade = { ...createContext(info, 'x', 'cookie') } as OAuth2Context;
    expect(() => forwarded().rewrite({ cookie: 'at=x' }, handMade)).toThrow(TypeError);
    expect(() => forwarded().rewriteUrl('/api?at=x', handMade)).toThrow(TypeError);
    // From the Authorization header, which goes by name, such a context is still served.
    const fromHeader = { ...createContext(info, 'x', 'authorization-header') } as OAuth2Context;
    expect(forwarded().rewrite({ authorization: 'Bearer x' }, fromHeader)).toEqual({
      'x-token-sub': 'alice',
    });
  });
});

// A proxy on loopback, as a user would write one: the front server authenticates the request with the
// resource server and forwards it with rewrite, rewriteUrl and rewriteForm to the upstream, which records
// what it received.
describe('through a real proxy on loopback', () => {
  interface Received {
    readonly url: string;
    readonly headers: IncomingHttpHeaders;
    readonly body: string;
  }
  let upstream: Server;
  let front: Server;
  let frontUrl: string;
  let received: Received | undefined;

  const readBody = (message: NodeJS.ReadableStream) =>
    new Promise<string>((resolve, reject) => {
      const chunks: Buffer[] = [];
      message.on('data', (chunk: Buffer) => chunks.push(chunk));
      message.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
      message.on('error', reject);
    });

  const listen = (server: Server) =>
    new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
    );

  beforeAll(async () => {
    upstream = createServer(async (req, res) => {
      received = { url: req.url!, headers: req.headers, body: await readBody(req) };
      res.end('ok');
    });
    const upstreamPort = await listen(upstream);
    const proxy = forwarded();
    front = createServer((req, res) => {
      // A proxy that throws answers 500 with the error, rather than leaving the client waiting.
      forward(req, res).catch((error: unknown) => {
        res.statusCode = 500;
        res.end(String(error));
      });
    });
    frontUrl = `http://127.0.0.1:${await listen(front)}`;

    async function forward(req: IncomingMessage, res: ServerResponse): Promise<void> {
      const body = await readBody(req);
      const isForm = req.headers['content-type'] === FORM;
      const result = await rs.authenticate({
        method: req.method!,
        url: `http://127.0.0.1${req.url}`,
        headers: req.headers,
        loopbackConnection: true,
        ...(isForm ? { form: Object.fromEntries(new URLSearchParams(body)) } : {}),
      });
      if (!result.ok) {
        res.statusCode = result.rejection.status;
        res.end(result.rejection.code);
        return;
      }
      const forwardedBody = isForm ? proxy.rewriteForm(body, result.context) : body;
      const out = httpRequest({
        host: '127.0.0.1',
        port: upstreamPort,
        method: req.method,
        path: proxy.rewriteUrl(req.url!, result.context),
        headers: proxy.rewrite(req.headers, result.context),
      });
      out.on('response', (answer) => answer.resume().on('end', () => res.end('forwarded')));
      out.on('error', (error) => {
        res.statusCode = 502;
        res.end(String(error));
      });
      out.end(forwardedBody);
    }
  });

  afterAll(async () => {
    await new Promise((resolve) => front.close(resolve));
    await new Promise((resolve) => upstream.close(resolve));
  });

  async function send(path: string, init: RequestInit): Promise<Received> {
    received = undefined;
    const answer = await fetch(frontUrl + path, init);
    expect(await answer.text()).toBe('forwarded');
    expect(received).toBeDefined();
    return received!;
  }

  it.each([
    ['the Authorization header', '/orders?page=2', { headers: { authorization: 'Bearer TOKEN' } }],
    ['a custom header', '/orders?page=2', { headers: { apiAccessToken: 'TOKEN' } }],
    ['a cookie', '/orders?page=2', { headers: { cookie: 'theme=dark; at=TOKEN; lang=en' } }],
    ['the query', '/orders?queryAuthz=TOKEN&page=2', {}],
    [
      'the form body',
      '/orders?page=2',
      { method: 'POST', headers: { 'content-type': FORM }, body: 'item=42&access_token=TOKEN' },
    ],
    [
      // rewriteForm shortens the body: the client's Content-Length would leave the upstream waiting.
      'the Authorization header, a copy in the form body',
      '/orders?page=2',
      {
        method: 'POST',
        headers: { authorization: 'Bearer TOKEN', 'content-type': FORM },
        body: 'item=42&note=TOKEN',
      },
    ],
  ])('from %s, the upstream never sees the token', async (_, path, init: RequestInit) => {
    const withToken = JSON.parse(JSON.stringify(init).replaceAll('TOKEN', token)) as RequestInit;
    const seen = await send(path.replace('TOKEN', token), withToken);
    expect(JSON.stringify(seen)).not.toContain(token);
    expect(seen.url).toBe('/orders?page=2');
    expect(seen.headers).toMatchObject({ 'x-token-sub': 'user-123', 'x-token-username': 'nginx-user' });
    if (init.method === 'POST') expect(seen.body).toBe('item=42');
    if (JSON.stringify(init).includes('cookie')) expect(seen.headers.cookie).toBe('theme=dark; lang=en');
  });
});
