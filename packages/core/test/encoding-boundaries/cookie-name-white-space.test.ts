// RFC 6265 §5.2 and the cookie parsers of the frameworks (the `cookie` package under Express's
// cookie-parser and @fastify/cookie) strip only spaces and tabs around a cookie's name and value. Core
// stripped every Unicode white space (`String.prototype.trim`): a cookie named `\xA0__Host-access_token`
// (the obs-text byte 0xA0, which Node reads as U+00A0) or `\u3000__Host-access_token` (a UTF-8 header
// of an API Gateway event or a Fetch request) was read as the token cookie, which the application's own
// parser sees as another cookie, and a value with such a character after it as the token without it.
import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { API_URL, AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

const NAME = '__Host-access_token';

let token: string;
let rs: ResourceServer;
let server: Server;
let port: number;

beforeAll(async () => {
  const key = await generateSigningKey('ES256', 'k1');
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  token = await mint(key, { scope: 'read' });
  rs = createResourceServer({
    resolver,
    clock: () => NOW_MS,
    tokenLocations: { cookie: NAME, authorizationHeader: true },
  });
  // The headers as Node's parser gives them, each byte of a value one character (latin1).
  server = createServer(async (req, res) => {
    const result = await rs.authenticate({
      method: 'GET',
      url: API_URL,
      headers: req.headers as Record<string, string>,
    });
    res.statusCode = result.ok ? 200 : result.rejection.status;
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify(result.ok ? {} : { code: result.rejection.code }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A GET whose Cookie header is `cookie`, each character one byte on the wire (latin1). */
function sendCookie(cookie: string): Promise<{ status: number; code?: string }> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => {
      const answer = Buffer.concat(chunks).toString('latin1');
      const status = Number(answer.slice(9, 12));
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4));
      resolve({ status, ...body });
    });
    socket.on('error', reject);
    socket.end(
      Buffer.from(
        `GET /resource HTTP/1.1\r\nHost: api.example.com\r\nConnection: close\r\nCookie: ${cookie}\r\n\r\n`,
        'latin1',
      ),
    );
  });
}

describe('a cookie name or value with white space other than spaces and tabs around it', () => {
  it('still reads the cookie with spaces and tabs around its name and value, over HTTP', async () => {
    expect(await sendCookie(`theme=dark; \t${NAME} = ${token}\t; lang=en`)).toEqual({ status: 200 });
  });

  it('takes no token from a cookie whose name starts with the obs-text byte 0xA0, over HTTP', async () => {
    expect(await sendCookie(`theme=dark; \xa0${NAME}=${token}`)).toEqual({
      status: 401,
      code: 'token_missing',
    });
  });

  it('refuses a token cookie whose value ends with the obs-text byte 0xA0, over HTTP', async () => {
    expect(await sendCookie(`${NAME}=${token}\xa0`)).toEqual({
      status: 400,
      code: 'malformed_authorization',
    });
  });

  it.each(['\u3000', '\ufeff', '\u2028', '\u00a0', '\n'])(
    'takes no token from a cookie name with %j before it, as a Lambda or Fetch request carries it',
    async (space) => {
      const request = { method: 'GET', url: API_URL, headers: { cookie: `a=b; ${space}${NAME}=${token}` } };
      expectRejected(await rs.authenticate(request), 'token_missing', 401);
      // The same cookie without it is the token cookie.
      expectAccepted(await rs.authenticate({ ...request, headers: { cookie: `a=b; ${NAME}=${token}` } }));
    },
  );
});
