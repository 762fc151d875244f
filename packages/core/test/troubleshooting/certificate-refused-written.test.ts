// The ERR_RS_HTTP_NETWORK row: a TLS certificate the client refuses (an authorization server behind a
// private CA, a certificate for another host, an expired one) is no outage that passes by itself, so the
// default reporters write it to console.error (once a minute at most), as they write a wrong URL; a
// connection refused (an outage) stays quiet. Real HTTPS servers on loopback, with certificates openssl
// made (createTestPki), and the default HTTP client.
import { once } from 'node:events';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createTestPki, generateSigningKey, jwksOf, type TestCertificate, type TestPki } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createResourceServer,
  type HttpClient,
  introspectionResolver,
  jwtResolver,
  remoteJwks,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { AUDIENCE, bearerRequest, expectRejected, ISSUER, mint } from '../helpers.js';

let pki: TestPki;
const servers: Server[] = [];

beforeAll(() => {
  pki = createTestPki();
});
afterEach(() => {
  vi.restoreAllMocks();
});
afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    server.close();
  }
  pki?.cleanup();
});

/** An HTTPS origin on loopback presenting `certificate`, answering every path with `body` as JSON. */
async function httpsOrigin(certificate: TestCertificate, body: unknown): Promise<string> {
  const server = createServer({ key: certificate.keyPem, cert: certificate.pem }, (request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** A loopback port nothing listens on: connections to it are refused. */
async function closedOrigin(): Promise<string> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `https://127.0.0.1:${port}`;
}

function consoleErrors(): string[] {
  const written: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => {
    written.push(args.map(String).join(' '));
  });
  return written;
}

describe('a JWK set URL whose certificate the client refuses is written to console.error', () => {
  // The default client, which trusts the runtime's authorities only; and one told to trust the test CA,
  // which then refuses a certificate it signed for another host, or one that expired.
  const trustingTheCa = () => undiciHttpClient({ tls: { ca: pki.ca.pem } });
  const cases: [string, () => TestCertificate, (() => HttpClient) | undefined, RegExp][] = [
    [
      'signed by a CA this process does not trust',
      () => pki.server,
      undefined,
      /not signed by an authority this process trusts/,
    ],
    ['for another host', () => pki.otherHostServer, trustingTheCa, /not for this host/],
    ['that has expired', () => pki.expiredServer, trustingTheCa, /was refused \(CERT_HAS_EXPIRED\)/],
  ];

  it.each(cases)('a certificate %s', async (_, certificate, client, said) => {
    const key = await generateSigningKey('ES256', 'as-1');
    const origin = await httpsOrigin(certificate(), jwksOf(key));
    const written = consoleErrors();
    const httpClient = client?.();
    const keys = remoteJwks({ url: `${origin}/jwks`, ...(httpClient === undefined ? {} : { httpClient }) });
    const rs = createResourceServer({ resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }) });
    const token = await mint(key, {});
    expectRejected(await rs.authenticate(bearerRequest(token)), 'keys_unavailable', 503);
    expect(written).toHaveLength(1);
    expect(written[0]).toContain('remoteJwks is misconfigured');
    expect(written[0]).toContain(`${origin}/jwks`);
    expect(written[0]).toMatch(said);
  });

  it('a connection refused (an outage) is not written', async () => {
    const key = await generateSigningKey('ES256', 'as-1');
    const origin = await closedOrigin();
    const written = consoleErrors();
    const rs = createResourceServer({
      resolver: jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: `${origin}/jwks` }),
      }),
    });
    expectRejected(await rs.authenticate(bearerRequest(await mint(key, {}))), 'keys_unavailable', 503);
    expect(written).toEqual([]);
  });
});

describe('an introspection endpoint whose certificate the client refuses is written to console.error', () => {
  function introspecting(endpoint: string) {
    return createResourceServer({
      resolver: introspectionResolver({
        endpoint,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'rs-secret' },
        acceptAnyAudience: true,
      }),
    });
  }

  it('a certificate signed by a CA this process does not trust: written, still 503 introspection_unavailable', async () => {
    const origin = await httpsOrigin(pki.server, { active: true, sub: 'alice' });
    const written = consoleErrors();
    const rejection = expectRejected(
      await introspecting(`${origin}/introspect`).authenticate(bearerRequest('an-opaque-token')),
      'introspection_unavailable',
      503,
    );
    expect(rejection.status).toBe(503);
    expect(written).toHaveLength(1);
    expect(written[0]).toContain('token introspection is misconfigured');
    expect(written[0]).toContain(`${origin}/introspect`);
    expect(written[0]).toMatch(/not signed by an authority this process trusts/);
    expect(written[0]).not.toContain('an-opaque-token');
  });

  it('a connection refused (an outage) is not written', async () => {
    const written = consoleErrors();
    expectRejected(
      await introspecting(`${await closedOrigin()}/introspect`).authenticate(
        bearerRequest('an-opaque-token'),
      ),
      'introspection_unavailable',
      503,
    );
    expect(written).toEqual([]);
  });
});
