// Node reads each byte of a header value as one character (latin1), obs-text (0x80–0xFF) included. A
// token, its scheme or the token cookie's name with such a byte in or around it is another text: never
// read as the token without it, never a 500, and the answer's challenge stays within RFC 6750 §3's
// characters whatever the request held.
import { connect } from 'node:net';
import { type TestIssuer, testIssuer } from '@rs/testkit';
import Fastify from 'fastify';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';
import { closeAll, serve } from './serve.js';

const COOKIE = '__Host-access_token';
// RFC 6750 §3: the challenge is printable ASCII; quoted values never hold `"` or `\`.
const CHALLENGE = /^[\x20-\x7e]+$/;

let fixture: TestIssuer;
let token: string;
beforeAll(async () => {
  fixture = await testIssuer();
  token = await fixture.mint({ sub: 'alice' });
});
afterEach(closeAll);

async function app(): Promise<string> {
  const instance = Fastify();
  await instance.register(
    fastifyResourceServer,
    fixture.options({ tokenLocations: { authorizationHeader: true, cookie: COOKIE } }),
  );
  instance.get('/items', async (request) => ({ subject: request.oauth2?.subject }));
  return serve(instance);
}

interface Answer {
  readonly status: number;
  readonly challenge: string | undefined;
  readonly code: string | undefined;
}

/** A GET of /items with `field` (`Name: value`) written byte for byte: each character one byte (latin1). */
function sendField(url: string, field: string): Promise<Answer> {
  const { port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('end', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const head = text.slice(0, text.indexOf('\r\n\r\n'));
      const challenge = /^www-authenticate: (.*)$/im.exec(head)?.[1];
      const body = text.slice(head.length + 4);
      resolve({
        status: Number(text.slice(9, 12)),
        challenge,
        code: body.startsWith('{') ? JSON.parse(body).code : undefined,
      });
    });
    socket.on('error', reject);
    socket.end(
      Buffer.from(
        `GET /items HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n${field}\r\n\r\n`,
        'latin1',
      ),
    );
  });
}

describe('header bytes outside ASCII, over HTTP', () => {
  it.each([
    ['a byte 0xFF after the token', () => `Authorization: Bearer ${token}\xff`],
    ['a byte 0xA0 (no-break space in latin1) after the token', () => `Authorization: Bearer ${token}\xa0`],
    ['a latin1 letter in the token', () => `Authorization: Bearer \xe9${token}`],
    [
      'UTF-8 bytes in the token',
      () => `Authorization: Bearer ${Buffer.from('é', 'utf8').toString('latin1')}${token}`,
    ],
    ['a byte 0xA0 after the token cookie', () => `Cookie: ${COOKIE}=${token}\xa0`],
  ])('%s: 400 invalid_request', async (_name, field) => {
    const answer = await sendField(await app(), field());
    expect(answer.status).toBe(400);
    expect(answer.code).toBe('malformed_authorization');
    expect(answer.challenge).toMatch(CHALLENGE);
    expect(answer.challenge).toContain('error="invalid_request"');
  });

  it.each([
    ['a byte 0xA0 between the scheme and the token', () => `Authorization: Bearer\xa0${token}`, 400],
    ['a latin1 letter in the scheme, another scheme', () => `Authorization: B\xe9arer ${token}`, 401],
    ['a byte 0xA0 before the token cookie name, another cookie', () => `Cookie: \xa0${COOKIE}=${token}`, 401],
  ])('%s: no token read, %i', async (_name, field, status) => {
    const answer = await sendField(await app(), field());
    expect(answer.status).toBe(status);
    expect(answer.challenge).toMatch(CHALLENGE);
  });

  it('accepts the token cookie with spaces and tabs around its name and value', async () => {
    const answer = await sendField(await app(), `Cookie: a=b; \t${COOKIE} = ${token}\t`);
    expect(answer.status).toBe(200);
  });
});
