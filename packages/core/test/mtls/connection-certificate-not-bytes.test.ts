// `RsRequest.clientCertificate` is typed DER bytes or PEM text, but a loosely typed adapter can hand over
// anything: `null` for "no certificate" (`socket.getPeerCertificate().raw ?? null`), or a certificate in
// a shape core does not read. `null` is no certificate, as a header value that is not text is not sent,
// so the certificate header is read as for a request without one; any other value was meant as a
// certificate and is refused as unreadable. Neither is ever thrown on: it is a client's request.
import { once } from 'node:events';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import {
  createTestPki,
  generateSigningKey,
  jwksOf,
  oneLinePem,
  type TestCertificate,
  type TestPki,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CertificateHeaderOptions,
  createResourceServer,
  jwtResolver,
  type ResourceServer,
  staticJwks,
} from '../../src/index.js';
import { nodeRequestHeaders } from '../../src/node/index.js';
import { AUDIENCE, ISSUER, mint, NOW_MS } from '../helpers.js';

const HEADER = 'x-client-cert-4c7d';

let pki: TestPki;
let key: TestSigningKey;
let rs: ResourceServer;
/** How the adapter under test hands over the connection's certificate. */
let handOver: (socket: TLSSocket) => unknown;
let server: Server;
let port: number;
/** A token bound to `pki.client`. */
let bound: string;

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES256', 'k1');
  bound = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint } });
  server = createServer(
    { key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false },
    async (req, res) => {
      try {
        const result = await rs.authenticate({
          method: req.method ?? 'GET',
          url: `https://127.0.0.1:${port}${req.url}`,
          headers: nodeRequestHeaders(req),
          peerAddress: req.socket.remoteAddress,
          // What a loosely typed adapter passes, past the type.
          clientCertificate: handOver(req.socket as TLSSocket) as Uint8Array | undefined,
        });
        res.writeHead(result.ok ? 200 : result.rejection.status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(result.ok ? { subject: result.context.subject } : result.rejection.body));
      } catch (error) {
        // What the application would see: authenticate() rejecting on a client's request.
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ thrown: String(error) }));
      }
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

afterAll(async () => {
  server.close();
  pki.cleanup();
});

function serve(certificateHeader: CertificateHeaderOptions | undefined, adapter: typeof handOver) {
  rs = createResourceServer({
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
    clock: () => NOW_MS,
    certificateHeader,
  });
  handOver = adapter;
}

/** Node's raw certificate, or `null` when the client presented none (`getPeerCertificate()` is `{}`). */
const rawOrNull = (socket: TLSSocket) => socket.getPeerCertificate().raw ?? null;

/** One request over a fresh TLS connection presenting `certificate` (or none), with the header's value. */
async function send(certificate: TestCertificate | undefined, headerCertificate?: TestCertificate) {
  const req = httpsRequest({
    host: '127.0.0.1',
    port,
    path: '/resource',
    ca: pki.ca.pem,
    cert: certificate?.pem,
    key: certificate?.keyPem,
    agent: false,
    headers: {
      authorization: `Bearer ${bound}`,
      ...(headerCertificate === undefined ? {} : { [HEADER]: oneLinePem(headerCertificate.pem) }),
    },
  });
  req.end();
  const [res] = await once(req, 'response');
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode as number, body: JSON.parse(body) as Record<string, unknown> };
}

describe('clientCertificate: null, from an adapter that says "none" so', () => {
  it('with certificateHeader and no trustedProxies: reads the header, as for a request without one', async () => {
    serve({ name: HEADER }, rawOrNull);
    expect(await send(undefined, pki.client)).toEqual({ status: 200, body: { subject: 'user-123' } });
    expect((await send(undefined, pki.other)).body).toMatchObject({ code: 'certificate_mismatch' });
    expect((await send(undefined)).body).toMatchObject({ code: 'certificate_missing' });
    // A client presenting its own certificate is still judged by it, never by the header.
    expect((await send(pki.other, pki.client)).body).toMatchObject({ code: 'certificate_mismatch' });
    expect((await send(pki.client)).status).toBe(200);
  });

  it('with a trustedProxies list the peer is not on: no certificate, answered 401', async () => {
    serve({ name: HEADER, trustedProxies: ['10.0.0.0/8'] }, rawOrNull);
    expect(await send(undefined, pki.client)).toEqual({
      status: 401,
      body: expect.objectContaining({ code: 'certificate_missing' }),
    });
    expect((await send(pki.client, pki.other)).status).toBe(200);
  });

  it('without certificateHeader: no certificate, answered 401', async () => {
    serve(undefined, rawOrNull);
    expect((await send(undefined, pki.client)).body).toMatchObject({ code: 'certificate_missing' });
    expect((await send(pki.client)).status).toBe(200);
  });
});

describe('clientCertificate neither bytes nor text', () => {
  // Meant as a certificate, in a shape core does not read: refused as unreadable, and the header (which a
  // peer with a certificate of its own never sets for itself) is not read in its place.
  const shapes: [string, (socket: TLSSocket) => unknown][] = [
    ['an array of the DER bytes', (socket) => Array.from(socket.getPeerCertificate().raw ?? [])],
    ["Node's certificate object", (socket) => socket.getPeerCertificate()],
    ['a number', () => 42],
  ];

  it.each(shapes)('%s: 401 certificate_invalid, never thrown', async (_, adapter) => {
    for (const certificateHeader of [undefined, { name: HEADER }]) {
      serve(certificateHeader, adapter);
      for (const [presented, inHeader] of [
        [pki.client, undefined],
        [pki.client, pki.client],
        [undefined, pki.client],
      ] as const) {
        expect(await send(presented, inHeader)).toEqual({
          status: 401,
          body: expect.objectContaining({ code: 'certificate_invalid' }),
        });
      }
    }
  });
});
