// certificateHeader without trustedProxies trusts the header of every peer that reaches the service, as
// behind a proxy the network alone lets in. A peer that presents its own client certificate over TLS
// reached the service directly, though: it is judged by that certificate, never by the header, or a
// client could present its own certificate and name a victim's (public) one in the header.
import { once } from 'node:events';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
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
import { nodeRequestHeaders, tlsClientCertificate } from '../../src/node/index.js';
import { AUDIENCE, ISSUER, mint, NOW_MS } from '../helpers.js';

const HEADER = 'x-client-cert-9b2e';

let pki: TestPki;
let key: TestSigningKey;
let rs: ResourceServer;
let server: Server;
let port: number;
/** A token bound to `pki.client`, the victim's certificate, whose public part anyone may hold. */
let bound: string;

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES256', 'k1');
  bound = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint } });
  // Client certificates are asked for and not validated (RFC 8705 §3), as the Node adapters run.
  server = createServer(
    { key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false },
    async (req, res) => {
      const result = await rs.authenticate({
        method: req.method ?? 'GET',
        url: `https://127.0.0.1:${port}${req.url}`,
        headers: nodeRequestHeaders(req),
        peerAddress: req.socket.remoteAddress,
        clientCertificate: tlsClientCertificate(req.socket),
      });
      res.writeHead(result.ok ? 200 : result.rejection.status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(result.ok ? { subject: result.context.subject } : result.rejection.body));
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

function serve(certificateHeader: CertificateHeaderOptions) {
  rs = createResourceServer({
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
    clock: () => NOW_MS,
    certificateHeader,
  });
}

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

describe('certificateHeader without trustedProxies, beside a TLS client certificate', () => {
  it("refuses a client that presents its own certificate and names the victim's in the header", async () => {
    serve({ name: HEADER });
    const spoofed = await send(pki.other, pki.client);
    expect(spoofed.status).toBe(401);
    expect(spoofed.body).toMatchObject({ error: 'invalid_token', code: 'certificate_mismatch' });
  });

  it('judges a client that presents a certificate by that certificate, header or not', async () => {
    serve({ name: HEADER });
    expect(await send(pki.client)).toEqual({ status: 200, body: { subject: 'user-123' } });
    expect((await send(pki.client, pki.other)).status).toBe(200);
    expect((await send(pki.other)).body).toMatchObject({ code: 'certificate_mismatch' });
  });

  it('still takes the header from a peer without a certificate of its own, as a proxy forwards it', async () => {
    serve({ name: HEADER });
    expect((await send(undefined, pki.client)).status).toBe(200);
    expect((await send(undefined, pki.other)).body).toMatchObject({ code: 'certificate_mismatch' });
    expect((await send(undefined)).body).toMatchObject({ code: 'certificate_missing' });
  });
});

describe('certificateHeader with the proxy listed in trustedProxies', () => {
  it('takes the header from the listed proxy even when it presents a client certificate of its own', async () => {
    // A proxy that re-encrypts to the service with its own client certificate (here `pki.other`).
    serve({ name: HEADER, trustedProxies: ['127.0.0.1'] });
    expect((await send(pki.other, pki.client)).status).toBe(200);
    expect((await send(pki.client, pki.other)).body).toMatchObject({ code: 'certificate_mismatch' });
    // The proxy's own certificate is never the client's.
    expect((await send(pki.client)).body).toMatchObject({ code: 'certificate_missing' });
  });
});
