import { createServer, type IncomingMessage, type Server } from 'node:http';
import { connect } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AccessTokenResolver, createResourceServer, jwtResolver, staticJwks } from '../../src/index.js';
import { nodeRequestHeaders } from '../../src/node/index.js';
import type { RsHeaders } from '../../src/request.js';
import { singleHeader } from '../../src/request.js';
import { API_URL, AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

// Real requests on loopback, written byte for byte so that a field can be sent twice.
let server: Server;
let port: number;
let seen: RsHeaders | undefined;
// What a hook or middleware running before us does to the request, if anything.
let before: ((req: IncomingMessage) => void) | undefined;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res) => {
    before?.(req);
    seen = nodeRequestHeaders(req);
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as { port: number }).port;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function send(fieldLines: readonly string[]): Promise<RsHeaders> {
  seen = undefined;
  const socket = connect(port, '127.0.0.1');
  socket.write(
    `GET / HTTP/1.1\r\nhost: 127.0.0.1\r\n${fieldLines.map((line) => `${line}\r\n`).join('')}connection: close\r\n\r\n`,
  );
  await new Promise((resolve) => socket.on('close', resolve).resume());
  if (seen === undefined) throw new Error('the server saw no request');
  return seen;
}

describe('nodeRequestHeaders', () => {
  it('gives each field once when no name came twice', async () => {
    const headers = await send(['Authorization: Bearer abc', 'X-Token: t1']);
    expect(singleHeader(headers, 'authorization')).toBe('Bearer abc');
    expect(singleHeader(headers, 'x-token')).toBe('t1');
  });

  it.each([
    ['Authorization: Bearer a', 'Authorization: Bearer b'],
    ['Authorization: Bearer a', 'authorization: Bearer b'],
    ['X-Token: t1', 'X-Token: t2'],
  ])('keeps a repeated field apart (%s, %s), so that core can refuse it', async (first, second) => {
    const headers = await send([first, second]);
    const name = first.slice(0, first.indexOf(':')).toLowerCase();
    expect(singleHeader(headers, name)).toBeNull();
    expect(headers[name]).toEqual([
      first.slice(first.indexOf(' ') + 1),
      second.slice(second.indexOf(' ') + 1),
    ]);
  });

  it('keeps a repeated Authorization apart when a middleware added a header before us', async () => {
    before = (req) => {
      req.headers['x-request-id'] = 'generated';
    };
    try {
      const headers = await send(['Authorization: Bearer a', 'Authorization: Basic eA==']);
      expect(singleHeader(headers, 'authorization')).toBeNull();
    } finally {
      before = undefined;
    }
  });

  it("keeps a middleware's changes to other headers whatever the client repeats", async () => {
    // A middleware removes a certificate header that only its proxy may set; the client must not get it
    // back by repeating an unrelated field, or by sending many lines.
    before = (req) => {
      delete req.headers['x-client-cert'];
    };
    try {
      const fillers = Array.from({ length: 70 }, (_, i) => `X-Filler-${i}: ${i}`);
      for (const lines of [
        ['X-Client-Cert: forged', 'Accept: a', 'accept: b'],
        ['X-Client-Cert: forged', ...fillers],
      ]) {
        const headers = await send(lines);
        expect(singleHeader(headers, 'x-client-cert')).toBeUndefined();
      }
      // Repeated, the removed field comes back as the list of its lines: refused as sent twice.
      const repeated = await send(['X-Client-Cert: a', 'X-Client-Cert: b']);
      expect(singleHeader(repeated, 'x-client-cert')).toBeNull();
    } finally {
      before = undefined;
    }
  });

  it('keeps a repeated Authorization apart on HTTP/2 too', () => {
    // What Node's Http2ServerRequest holds for two authorization fields in one HEADERS frame: `headers`
    // keeps the first, `rawHeaders` both, and there is no `headersDistinct`. (Node's own HTTP/2 client
    // refuses to send such a frame, so the request is described here rather than sent.)
    const headers = nodeRequestHeaders({
      headers: { ':method': 'GET', ':path': '/', authorization: 'Bearer a' },
      rawHeaders: [':method', 'GET', ':path', '/', 'authorization', 'Bearer a', 'authorization', 'Bearer b'],
    });
    expect(singleHeader(headers, 'authorization')).toBeNull();
    expect(singleHeader(headers, ':path')).toBe('/');
  });

  it('finds a repeated Authorization among very many field lines', async () => {
    const lines = Array.from({ length: 70 }, (_, i) => `X-Filler-${i}: ${i}`);
    const headers = await send([...lines, 'Authorization: Bearer a', 'Authorization: Bearer b']);
    expect(singleHeader(headers, 'authorization')).toBeNull();
    expect(singleHeader(headers, 'x-filler-3')).toBe('3');
  });
});

// What a hand-built request (a test, an adapter reading a loosely typed event) may hold against its type.
const notText = [null, 42, true, {}, Symbol('x')] as const;
const loose = (headers: Record<string, unknown>) => headers as unknown as RsHeaders;

describe('singleHeader with values that are not text', () => {
  it.each(notText)('reads %s as absent, alone or as an element of a list', (value) => {
    expect(singleHeader(loose({ authorization: value }), 'authorization')).toBeUndefined();
    expect(singleHeader(loose({ authorization: [value] }), 'authorization')).toBeUndefined();
    expect(singleHeader(loose({ authorization: [value, 'Bearer a'] }), 'authorization')).toBe('Bearer a');
    expect(
      singleHeader(loose({ authorization: ['Bearer a', value, 'Bearer b'] }), 'authorization'),
    ).toBeNull();
  });
});

describe('authenticate with header values that are not text', () => {
  let resolver: AccessTokenResolver;
  let token: string;
  beforeAll(async () => {
    const key = await generateSigningKey('ES256', 'k1');
    resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    token = await mint(key, { scope: 'read' });
  });
  const rsOf = () =>
    createResourceServer({
      resolver,
      clock: () => NOW_MS,
      tokenLocations: { header: 'x-token', cookie: 'at', formBody: true },
      certificateHeader: { name: 'x-client-cert-7f3a', format: 'url-encoded-pem' },
    });
  const request = (headers: Record<string, unknown>) => ({
    method: 'POST',
    url: API_URL,
    headers: loose(headers),
    form: {},
  });
  const names = ['authorization', 'x-token', 'cookie', 'content-type', 'dpop', 'x-client-cert-7f3a'];

  it.each(notText)(
    'answers %s in any header read as no such header, never with an exception',
    async (value) => {
      for (const name of names) {
        expectRejected(await rsOf().authenticate(request({ [name]: value })), 'token_missing', 401);
        expectRejected(await rsOf().authenticate(request({ [name]: [value] })), 'token_missing', 401);
      }
      expectAccepted(
        await rsOf().authenticate(request({ authorization: `Bearer ${token}`, cookie: value, dpop: value })),
      );
    },
  );
});
