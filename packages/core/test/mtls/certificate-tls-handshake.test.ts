import { once } from 'node:events';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTestPki, generateSigningKey, jwksOf, type TestPki, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { nodeRequestHeaders } from '../../src/node/index.js';
import { AUDIENCE, ISSUER, mint, NOW_MS } from '../helpers.js';

// A real TLS handshake on loopback: the server asks for client certificates without validating the chain
// (RFC 8705 §3 binds the token to the certificate itself, self-signed ones included) and builds the
// RsRequest the way a Node adapter does.

let pki: TestPki;
let key: TestSigningKey;
let rs: ResourceServer;
let server: Server;
let port: number;

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES256', 'k1');
  rs = createResourceServer({
    resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
    clock: () => NOW_MS,
  });
  server = createServer(
    { key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false },
    async (req, res) => {
      const socket = req.socket as TLSSocket;
      // `raw` is the DER certificate; getPeerCertificate() answers {} when the client sent none.
      const peer = socket.getPeerCertificate();
      const result = await rs.authenticate({
        method: req.method ?? 'GET',
        url: `https://127.0.0.1:${port}${req.url}`,
        headers: nodeRequestHeaders(req),
        peerAddress: socket.remoteAddress,
        clientCertificate: peer.raw,
      });
      if (result.ok) {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ subject: result.context.subject }));
      } else {
        res.writeHead(result.rejection.status, result.rejection.headers);
        res.end(JSON.stringify(result.rejection.body));
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

/** One request over a fresh TLS connection, presenting `certificate` (or none). */
async function send(token: string, certificate?: { pem: string; keyPem: string }) {
  const req = httpsRequest({
    host: '127.0.0.1',
    port,
    path: '/resource',
    ca: pki.ca.pem,
    cert: certificate?.pem,
    key: certificate?.keyPem,
    agent: false,
    headers: { authorization: `Bearer ${token}` },
  });
  req.end();
  const [res] = await once(req, 'response');
  let body = '';
  for await (const chunk of res) body += chunk;
  return { status: res.statusCode as number, body: JSON.parse(body) as Record<string, unknown> };
}

describe('certificate-bound tokens over a real TLS handshake', () => {
  it('accepts the bound certificate and refuses another one or none', async () => {
    const bound = await mint(key, { cnf: { 'x5t#S256': pki.client.thumbprint } });
    expect(await send(bound, pki.client)).toEqual({ status: 200, body: { subject: 'user-123' } });

    const wrong = await send(bound, pki.other);
    expect(wrong.status).toBe(401);
    expect(wrong.body.code).toBe('certificate_mismatch');

    const none = await send(bound);
    expect(none.status).toBe(401);
    expect(none.body.code).toBe('certificate_missing');
  });

  it('accepts a self-signed client certificate the token is bound to', async () => {
    const bound = await mint(key, { cnf: { 'x5t#S256': pki.other.thumbprint } });
    expect((await send(bound, pki.other)).status).toBe(200);
  });
});
