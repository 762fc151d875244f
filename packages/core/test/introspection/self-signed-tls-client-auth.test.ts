import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpClient, introspectionResolver } from '../../src/index.js';
import { authenticatesWithMutualTls } from '../../src/introspection/client-authentication.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { bearerRequest, expectAccepted, expectConfigError, expectRejected } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';

// RFC 8705 §2.2: with `self_signed_tls_client_auth` the server knows the client by the certificate it
// registered (usually self-signed, so no CA vouches for it), not by a subject a CA signed. From the
// resource server's side it is `tls_client_auth`: present the certificate over mutual TLS, send
// `client_id` in the form.

const OPTION = 'introspectionResolver.clientAuthentication';
const SELF_SIGNED = { method: 'self_signed_tls_client_auth', clientId: 'rs-self-signed' } as const;

let pki: TestPki;
let certificateDir: string;
let selfSigned: { pem: string; keyPem: string; fingerprint256: string };
let server: Server;
let endpoint: string;

beforeAll(async () => {
  pki = createTestPki();
  certificateDir = mkdtempSync(join(tmpdir(), 'rs-self-signed-'));
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      'client.key',
      '-out',
      'client.pem',
      '-days',
      '2',
      '-subj',
      '/CN=rs self-signed client',
    ],
    { cwd: certificateDir, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const pem = readFileSync(join(certificateDir, 'client.pem'), 'utf8');
  selfSigned = {
    pem,
    keyPem: readFileSync(join(certificateDir, 'client.key'), 'utf8'),
    fingerprint256: new X509Certificate(pem).fingerprint256,
  };
  // The introspection endpoint of a server that registered the client's certificate: it asks for one,
  // lets a certificate no CA signed through the handshake, and knows the client by that certificate.
  server = createServer(
    { key: pki.server.keyPem, cert: pki.server.pem, requestCert: true, rejectUnauthorized: false },
    async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const presented = (request.socket as TLSSocket).getPeerCertificate();
      const known =
        presented.fingerprint256 === selfSigned.fingerprint256 &&
        new URLSearchParams(body).get('client_id') === SELF_SIGNED.clientId;
      response.setHeader('content-type', 'application/json');
      if (!known) {
        response.statusCode = 401;
        response.end(JSON.stringify({ error: 'invalid_client' }));
        return;
      }
      response.end(JSON.stringify({ active: true, scope: 'read', client_id: 'app' }));
    },
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
});

afterAll(() => {
  server?.closeAllConnections();
  server?.close();
  pki?.cleanup();
  if (certificateDir !== undefined) rmSync(certificateDir, { recursive: true, force: true });
});

const build = (httpClient?: HttpClient) => () =>
  introspectionResolver({
    acceptAnyAudience: true,
    endpoint,
    clientAuthentication: SELF_SIGNED,
    ...(httpClient === undefined ? {} : { httpClient }),
  });

describe('self_signed_tls_client_auth (RFC 8705 §2.2)', () => {
  it('introspects over real mutual TLS, presenting the self-signed certificate', async () => {
    const client = undiciHttpClient({
      tls: { ca: pki.ca.pem, cert: selfSigned.pem, key: selfSigned.keyPem },
    });
    try {
      const context = expectAccepted(
        await resourceServerWith(build(client)()).authenticate(bearerRequest('opaque-1')),
      );
      expect(context.clientId).toBe('app');
    } finally {
      await client.close();
    }
  });

  it('is refused by the server without the certificate (a client of the user’s own that presents none)', async () => {
    const client = undiciHttpClient({ tls: { ca: pki.ca.pem } });
    try {
      // Taken at its word: a client that says nothing of certificates.
      const resolver = build({ send: (request) => client.send(request) })();
      expectRejected(
        await resourceServerWith(resolver).authenticate(bearerRequest('opaque-2')),
        'introspection_misconfigured',
        503,
      );
    } finally {
      await client.close();
    }
  });

  it('is refused at start-up with an HTTP client that presents no certificate, as tls_client_auth is', async () => {
    const { message } = expectConfigError(build(), OPTION);
    expect(message).toContain(
      'self_signed_tls_client_auth needs an HTTP client that presents a TLS client certificate',
    );
    expect(message).toContain('undiciHttpClient({ tls: { cert, key } })');
    const noCertificate = undiciHttpClient({ tls: { ca: pki.ca.pem } });
    try {
      expect(expectConfigError(build(noCertificate), OPTION).message).toContain(
        'the one given presents none',
      );
    } finally {
      await noCertificate.close();
    }
  });

  it('takes a clientId, as tls_client_auth does, and no other member', () => {
    const client = { send: () => Promise.reject(new Error('unused')), presentsClientCertificate: true };
    const withAuth = (clientAuthentication: unknown) => () =>
      introspectionResolver({
        acceptAnyAudience: true,
        endpoint,
        clientAuthentication: clientAuthentication as typeof SELF_SIGNED,
        httpClient: client,
      });
    expect(withAuth(SELF_SIGNED)).not.toThrow();
    expectConfigError(withAuth({ method: 'self_signed_tls_client_auth' }), `${OPTION}.clientId`);
    expectConfigError(withAuth({ ...SELF_SIGNED, clientSecret: 'x' }), `${OPTION}.clientSecret`);
  });

  it('counts as mutual TLS, whose requests go to the mtls_endpoint_aliases (RFC 8705 §5)', () => {
    expect(authenticatesWithMutualTls('self_signed_tls_client_auth')).toBe(true);
    expect(authenticatesWithMutualTls('tls_client_auth')).toBe(true);
    for (const method of [
      'client_secret_basic',
      'client_secret_post',
      'private_key_jwt',
      'bearer',
      undefined,
    ]) {
      expect(authenticatesWithMutualTls(method)).toBe(false);
    }
  });
});
