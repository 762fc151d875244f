import { once } from 'node:events';
import { createServer, type Server, type ServerOptions } from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { closedPort, createTestPki, type TestCertificate, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHttpClient, type HttpClient, HttpClientError } from '../../src/index.js';
import { type ClosableHttpClient, undiciHttpClient } from '../../src/node/index.js';

// Authorization servers on loopback behind a private CA, over real TLS: the networks enterprises run.

let pki: TestPki;
const servers: Server[] = [];
const closables: ClosableHttpClient[] = [];
let trusted: string;
let trustedIpv6: string;
let otherHost: string;
let expired: string;
let mutual: string;

/** An HTTPS server on `host` answering JSON that says what it was asked and who the client was. */
async function serve(pair: TestCertificate, host: string, options: ServerOptions = {}): Promise<string> {
  const server = createServer({ cert: pair.pem, key: pair.keyPem, ...options }, (request, response) => {
    const peer = (request.socket as TLSSocket).getPeerCertificate();
    response.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
    response.end(
      JSON.stringify({ path: request.url, host: request.headers.host, client: peer?.subject?.CN ?? null }),
    );
  });
  servers.push(server);
  server.listen(0, host);
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return `${port}`;
}

beforeAll(async () => {
  pki = createTestPki();
  trusted = await serve(pki.server, '127.0.0.1');
  trustedIpv6 = await serve(pki.server, '::1');
  otherHost = await serve(pki.otherHostServer, '127.0.0.1');
  expired = await serve(pki.expiredServer, '127.0.0.1');
  mutual = await serve(pki.server, '127.0.0.1', {
    ca: pki.ca.pem,
    requestCert: true,
    rejectUnauthorized: true,
  });
});

afterAll(async () => {
  await Promise.all(closables.map((client) => client.close()));
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  pki?.cleanup();
});

function undici(options?: Parameters<typeof undiciHttpClient>[0]): ClosableHttpClient {
  const client = undiciHttpClient(options);
  closables.push(client);
  return client;
}

const get = (client: HttpClient, url: string) =>
  client.send({ method: 'GET', url, timeoutMs: 5_000, maxResponseBytes: 10_000 });

async function failure(client: HttpClient, url: string): Promise<HttpClientError> {
  const error = await get(client, url).then(
    () => undefined,
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(HttpClientError);
  expect((error as HttpClientError).code).toBe('ERR_RS_HTTP_NETWORK');
  return error as HttpClientError;
}

describe.each([
  ['fetchHttpClient', () => fetchHttpClient()],
  ['undiciHttpClient', () => undici()],
])('%s, trusting only the runtime’s authorities, says why a TLS connection failed', (_name, makeClient) => {
  it('a server behind a private CA: not signed by a trusted authority, and how to trust one', async () => {
    const { message } = await failure(makeClient(), `https://127.0.0.1:${trusted}/jwks`);
    expect(message).toBe(
      `https://127.0.0.1:${trusted}/jwks could not be reached: its TLS certificate is not signed by an ` +
        'authority this process trusts (UNABLE_TO_VERIFY_LEAF_SIGNATURE); for a private CA, add its ' +
        'certificate to undiciHttpClient({ tls: { ca } }), or to NODE_EXTRA_CA_CERTS for a client given no ca',
    );
  });

  it('any other failure to connect: by its code alone', async () => {
    const port = await closedPort();
    const { message } = await failure(makeClient(), `https://127.0.0.1:${port}/jwks?api_key=secret`);
    expect(message).toBe(`https://127.0.0.1:${port}/jwks?… could not be reached (ECONNREFUSED)`);
  });
});

describe('undiciHttpClient({ tls: { ca } }) with the private CA', () => {
  it('answers over TLS from 127.0.0.1, localhost and [::1], with the port, path and query as given', async () => {
    const client = undici({ tls: { ca: pki.ca.pem } });
    for (const [url, host] of [
      [`https://127.0.0.1:${trusted}/jwks?tenant=a%2Fb`, `127.0.0.1:${trusted}`],
      [`https://localhost:${trusted}/jwks?tenant=a%2Fb`, `localhost:${trusted}`],
      [`https://[::1]:${trustedIpv6}/jwks?tenant=a%2Fb`, `[::1]:${trustedIpv6}`],
    ] as const) {
      const response = await get(client, url);
      expect(response.status).toBe(200);
      expect(response.header('content-type')).toBe('application/json; charset=utf-8');
      expect(JSON.parse(new TextDecoder().decode(response.body))).toEqual({
        path: '/jwks?tenant=a%2Fb',
        host,
        client: null,
      });
    }
  });

  it('trusts that CA only: a server of another authority is not signed by one it trusts', async () => {
    const { message } = await failure(
      undici({ tls: { ca: pki.client.pem } }),
      `https://127.0.0.1:${trusted}/jwks`,
    );
    expect(message).toContain('its TLS certificate is not signed by an authority this process trusts');
  });

  it('refuses an expired certificate of that CA, saying so', async () => {
    const { message } = await failure(
      undici({ tls: { ca: pki.ca.pem } }),
      `https://127.0.0.1:${expired}/jwks`,
    );
    expect(message).toBe(
      `https://127.0.0.1:${expired}/jwks could not be reached: its TLS certificate was refused (CERT_HAS_EXPIRED)`,
    );
  });

  it('refuses a certificate of that CA for another host, quoting none of the names it holds', async () => {
    const { message } = await failure(
      undici({ tls: { ca: pki.ca.pem } }),
      `https://127.0.0.1:${otherHost}/jwks`,
    );
    expect(message).toBe(
      `https://127.0.0.1:${otherHost}/jwks could not be reached: its TLS certificate is not for this host ` +
        '(ERR_TLS_CERT_ALTNAME_INVALID)',
    );
    expect(message).not.toContain('other.example');
  });

  it('presents its client certificate to a server that requires one (RFC 8705 §2), and fails without', async () => {
    const withCertificate = undici({ tls: { ca: pki.ca.pem, cert: pki.client.pem, key: pki.client.keyPem } });
    const response = await get(withCertificate, `https://127.0.0.1:${mutual}/introspect`);
    expect(JSON.parse(new TextDecoder().decode(response.body))).toMatchObject({
      client: 'client.example.com',
    });
    const { message } = await failure(
      undici({ tls: { ca: pki.ca.pem } }),
      `https://127.0.0.1:${mutual}/introspect`,
    );
    expect(message).toMatch(
      new RegExp(`^https://127\\.0\\.0\\.1:${mutual}/introspect could not be reached \\([A-Z0-9_]+\\)$`),
    );
  });
});
