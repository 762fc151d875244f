import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { createTestPki, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHttpClient, type HttpClient, introspectionResolver } from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { bearerRequest, expectAccepted, expectConfigError } from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';

const OPTION = 'introspectionResolver.clientAuthentication';
const TLS_CLIENT_AUTH = { method: 'tls_client_auth', clientId: 'rs-mtls' } as const;

let pki: TestPki;
let server: Server;
let endpoint: string;
beforeAll(async () => {
  pki = createTestPki();
  // An introspection endpoint that authenticates its client by certificate (RFC 8705 §2): a request
  // without one signed by the test CA never reaches it.
  server = createServer(
    {
      key: pki.server.keyPem,
      cert: pki.server.pem,
      ca: pki.ca.pem,
      requestCert: true,
      rejectUnauthorized: true,
    },
    async (request, response) => {
      let body = '';
      for await (const chunk of request) body += chunk;
      const form = new URLSearchParams(body);
      const presented = (request.socket as TLSSocket).getPeerCertificate().subject?.CN;
      const active = presented === 'client.example.com' && form.get('client_id') === 'rs-mtls';
      response.setHeader('content-type', 'application/json');
      response.end(
        JSON.stringify(active ? { active: true, scope: 'read', client_id: 'app' } : { active: false }),
      );
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
});

const build = (httpClient?: HttpClient) => () =>
  introspectionResolver({
    acceptAnyAudience: true,
    endpoint,
    clientAuthentication: TLS_CLIENT_AUTH,
    ...(httpClient === undefined ? {} : { httpClient }),
  });

describe('tls_client_auth needs an HTTP client that presents a certificate', () => {
  it('is refused at start-up with the default HTTP client, which presents none', () => {
    const { message } = expectConfigError(build(), OPTION);
    expect(message).toContain('the default one presents none');
    expect(message).toContain('undiciHttpClient({ tls: { cert, key } })');
  });

  it('is refused at start-up with an undiciHttpClient built without cert and key', async () => {
    for (const client of [undiciHttpClient(), undiciHttpClient({ tls: { ca: pki.ca.pem } })]) {
      try {
        expect(expectConfigError(build(client), OPTION).message).toContain('the one given presents none');
      } finally {
        await client.close();
      }
    }
  });

  it('takes a client of the user’s own at its word', () => {
    expect(build(fetchHttpClient())).not.toThrow();
    expect(build({ send: () => Promise.reject(new Error('unused')) })).not.toThrow();
    expect(
      build({ send: () => Promise.reject(new Error('unused')), presentsClientCertificate: true }),
    ).not.toThrow();
    expectConfigError(
      build({ send: () => Promise.reject(new Error('unused')), presentsClientCertificate: false }),
      OPTION,
    );
  });

  it('introspects over real mutual TLS with an undiciHttpClient that has the certificate', async () => {
    const client = undiciHttpClient({
      tls: { ca: pki.ca.pem, cert: pki.client.pem, key: pki.client.keyPem },
    });
    try {
      const resolver = build(client)();
      const context = expectAccepted(
        await resourceServerWith(resolver).authenticate(bearerRequest('opaque-1')),
      );
      expect(context.clientId).toBe('app');
    } finally {
      await client.close();
    }
  });
});
