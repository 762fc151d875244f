// Fastify served over HTTP/2 (`http2: true`), cleartext (h2c) and over TLS with HTTP/1.1 beside it
// (`allowHTTP1`): the request has no Host header (its authority is `:authority`), its fields carry
// pseudo-headers, and its socket is the HTTP/2 session's. Real servers on loopback, real keys, tokens,
// DPoP proofs and certificates.
import { connect as http2Connect, type IncomingHttpHeaders, type OutgoingHttpHeaders } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import {
  createTestPki,
  generateDpopKey,
  sendRawHttp2,
  type TestIssuer,
  type TestPki,
  testIssuer,
} from '@rs/testkit';
import Fastify, { type FastifyInstance } from 'fastify';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fastifyResourceServer } from '../src/index.js';
import { closeAll, serve } from './serve.js';

const PUBLIC_URL = 'https://api.example.test';

let fixture: TestIssuer;
let pki: TestPki;
beforeAll(async () => {
  fixture = await testIssuer();
  pki = createTestPki();
});
afterAll(() => pki.cleanup());
afterEach(closeAll);

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** The client's side of TLS: the CA it trusts, and the certificate it presents, if any. */
interface ClientTls {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
}

/** One HTTP/2 request on a session of its own, closed afterwards. */
async function h2(
  origin: string,
  headers: OutgoingHttpHeaders,
  tls: Partial<ClientTls> = {},
): Promise<Answer> {
  const session = http2Connect(origin, tls);
  try {
    return await new Promise<Answer>((resolve, reject) => {
      session.on('error', reject);
      const stream = session.request({ ':path': '/items', ...headers });
      let body = '';
      let answered: IncomingHttpHeaders = {};
      stream.setEncoding('utf8');
      stream.on('response', (received) => {
        answered = received;
      });
      stream.on('data', (chunk: string) => {
        body += chunk;
      });
      stream.on('end', () => resolve({ status: Number(answered[':status']), body }));
      stream.on('error', reject);
      stream.end();
    });
  } finally {
    session.close();
  }
}

/** One HTTP/1.1 request over TLS to the same server (`allowHTTP1`). */
function https1(origin: string, headers: Record<string, string>, tls: ClientTls): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = httpsRequest(`${origin}/items`, { headers, ...tls, agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, body }));
    });
    request.on('error', reject).end();
  });
}

/** Fastify over HTTP/2, with the statuses it answered, in order. */
async function http2App(
  options: Record<string, unknown>,
  https?: Record<string, unknown>,
): Promise<{ origin: string; statuses: number[] }> {
  const app = Fastify({
    http2: true,
    ...(https === undefined ? {} : { https }),
  } as never) as unknown as FastifyInstance;
  const statuses: number[] = [];
  app.addHook('onResponse', async (_request, reply) => {
    statuses.push(reply.statusCode);
  });
  await app.register(fastifyResourceServer, fixture.options({ protect: 'all', ...options } as never));
  app.get('/items', async (request) => ({ subject: request.oauth2?.subject }));
  app.options('*', async (request) => ({ subject: request.oauth2?.subject }));
  return { origin: await serve(app), statuses };
}

const TLS_SERVER = () => ({
  allowHTTP1: true,
  key: pki.server.keyPem,
  cert: pki.server.pem,
  requestCert: true,
  rejectUnauthorized: false,
});

describe('h2c', () => {
  it('accepts a Bearer token, whose URL has the :authority for its host', async () => {
    const { origin } = await http2App({});
    const before = fixture.seen.length;
    const answer = await h2(origin, { authorization: `Bearer ${await fixture.mint({ sub: 'alice' })}` });
    expect(answer).toEqual({ status: 200, body: '{"subject":"alice"}' });
    expect(fixture.seen[before]!.url).toBe(`${origin}/items`);
  });

  it('refuses two Authorization field lines (400), as over HTTP/1.1, the same token twice as well', async () => {
    const { origin, statuses } = await http2App({});
    const port = Number(new URL(origin).port);
    const token = await fixture.mint({ sub: 'alice' });
    const request: [string, string][] = [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':authority', `127.0.0.1:${port}`],
      [':path', '/items'],
    ];
    await sendRawHttp2(port, [...request, ['authorization', `Bearer ${token}`]]);
    await sendRawHttp2(port, [
      ...request,
      ['authorization', `Bearer ${token}`],
      ['authorization', 'Bearer x'],
    ]);
    await sendRawHttp2(port, [
      ...request,
      ['authorization', 'Bearer x'],
      ['authorization', `Bearer ${token}`],
    ]);
    await sendRawHttp2(port, [
      ...request,
      ['authorization', `Bearer ${token}`],
      ['authorization', `Bearer ${token}`],
    ]);
    expect(statuses).toEqual([200, 400, 400, 400]);
  });
  it('refuses two DPoP field lines, even two copies of one good proof', async () => {
    const { origin, statuses } = await http2App({ dpop: true, publicUrl: PUBLIC_URL });
    const port = Number(new URL(origin).port);
    const key = await generateDpopKey();
    const token = await fixture.mint({ sub: 'alice', cnf: { jkt: key.thumbprint } });
    const request = (): [string, string][] => [
      [':method', 'GET'],
      [':scheme', 'http'],
      [':authority', `127.0.0.1:${port}`],
      [':path', '/items'],
      ['authorization', `DPoP ${token}`],
    ];
    const proof = () => key.proof('GET', `${PUBLIC_URL}/items`, token);
    await sendRawHttp2(port, [...request(), ['dpop', await proof()]]);
    const once = await proof();
    await sendRawHttp2(port, [...request(), ['dpop', once], ['dpop', once]]);
    await sendRawHttp2(port, [...request(), ['dpop', await proof()], ['dpop', await proof()]]);
    expect(statuses[0]).toBe(200);
    expect(statuses.slice(1).every((status) => status === 400 || status === 401)).toBe(true);
    expect(statuses).toHaveLength(3);
  });
});

describe('HTTP/2 over TLS, HTTP/1.1 beside it', () => {
  it("binds a certificate-bound token (RFC 8705) to the certificate on the HTTP/2 session's socket", async () => {
    const { origin } = await http2App({ requireHttps: true }, TLS_SERVER());
    const authorization = `Bearer ${await fixture.mint({ sub: 'alice', cnf: { 'x5t#S256': pki.client.thumbprint } })}`;
    const client = { ca: pki.ca.pem, cert: pki.client.pem, key: pki.client.keyPem };
    const other = { ca: pki.ca.pem, cert: pki.other.pem, key: pki.other.keyPem };
    const before = fixture.seen.length;
    expect((await h2(origin, { authorization }, client)).status).toBe(200);
    expect((await https1(origin, { authorization }, client)).status).toBe(200);
    // The scheme is the TLS session's (the loopback exception would hide a plain-http URL here).
    expect(fixture.seen.slice(before).map((request) => request.url)).toEqual([
      `${origin}/items`,
      `${origin}/items`,
    ]);
    expect(origin).toMatch(/^https:/);
    for (const tls of [other, { ca: pki.ca.pem }]) {
      expect((await h2(origin, { authorization }, tls)).status).toBe(401);
      expect((await https1(origin, { authorization }, tls)).status).toBe(401);
    }
  });

  it('compares DPoP htu with the public URL and the :path, whatever :authority the request names', async () => {
    const { origin } = await http2App(
      { requireHttps: true, dpop: true, publicUrl: PUBLIC_URL },
      TLS_SERVER(),
    );
    const key = await generateDpopKey();
    const token = await fixture.mint({ sub: 'alice', cnf: { jkt: key.thumbprint } });
    const tls = { ca: pki.ca.pem };
    const send = async (htu: string, headers: OutgoingHttpHeaders = {}) =>
      h2(
        origin,
        { authorization: `DPoP ${token}`, dpop: await key.proof('GET', htu, token), ...headers },
        tls,
      );
    expect((await send(`${PUBLIC_URL}/items`)).status).toBe(200);
    expect((await send('HTTPS://API.example.test:443/items')).status).toBe(200);
    expect((await send(`${PUBLIC_URL}/items`, { ':authority': 'elsewhere.example' })).status).toBe(200);
    for (const htu of [`${PUBLIC_URL}/other`, `${origin}/items`, 'http://api.example.test/items']) {
      const refused = await send(htu);
      expect(refused.status, htu).toBe(401);
      expect(JSON.parse(refused.body), htu).toMatchObject({ code: 'dpop_htu_mismatch' });
    }
  });
});
