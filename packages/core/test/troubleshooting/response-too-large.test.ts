// The troubleshooting row of ERR_RS_HTTP_TOO_LARGE: "the answer exceeded maxResponseBytes"; fix: "point at
// the right document, or raise the limit". To do either, the operator must learn which document was too
// large: the report names its URL (without the query, which may hold an API key), as the reports of a
// timeout, a network failure and a closed client do. Real HTTP on loopback, with both built-in clients.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createResourceServer,
  fetchHttpClient,
  type HttpClient,
  HttpClientError,
  type IntrospectionError,
  introspectionResolver,
  jwtResolver,
  remoteJwks,
} from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

// A query holding a secret, as some hosted authorization servers want it: never in a report.
const SECRET_QUERY = '?api_key=do-not-log-me';
// The padding makes each document some 4 KiB: over a limit of 1 KiB, under the defaults.
const PADDING = 'x'.repeat(4096);

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'as-1');
});

const servers: Server[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(
    servers.splice(0).map(
      (server) =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    ),
  );
});

/** A loopback server answering every request with `json`; returns its origin. */
async function serveJson(json: unknown): Promise<string> {
  const server = createServer((request, response) => {
    request.resume();
    response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  });
  server.keepAliveTimeout = 1000;
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const clients: ReadonlyArray<[string, () => HttpClient | undefined]> = [
  ['the default client (undici)', () => undefined],
  ['fetchHttpClient()', () => fetchHttpClient()],
];

describe.each(clients)('ERR_RS_HTTP_TOO_LARGE from a JWK set, with %s', (_name, client) => {
  async function keysAt(maxResponseBytes: number, onFetchError?: (error: Error) => void) {
    const origin = await serveJson({ ...jwksOf(key), padding: PADDING });
    const httpClient = client();
    const keys = remoteJwks({
      url: `${origin}/jwks${SECRET_QUERY}`,
      maxResponseBytes,
      ...(httpClient === undefined ? {} : { httpClient }),
      ...(onFetchError === undefined ? {} : { onFetchError }),
    });
    const rs = createResourceServer({
      resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }),
      clock: () => NOW_MS,
    });
    return { origin, rs };
  }

  it('is an HttpClientError to onFetchError naming the URL without its query; requests get 503', async () => {
    const errors: Error[] = [];
    const { origin, rs } = await keysAt(1024, (error) => errors.push(error));
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(await mint(key))),
      'keys_unavailable',
      503,
    );
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(HttpClientError);
    expect(errors[0]).toMatchObject({ code: 'ERR_RS_HTTP_TOO_LARGE' });
    expect(errors[0]?.message).toContain(`${origin}/jwks?…`);
    expect(errors[0]?.message).toContain('1024 bytes');
    expect(errors[0]?.message).not.toContain('do-not-log-me');
  });

  it('is written to console.error by default, naming the URL', async () => {
    const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    const { origin, rs } = await keysAt(1024);
    expectRejected(await rs.authenticate(bearerRequest(await mint(key))), 'keys_unavailable', 503);
    await vi.waitFor(() => expect(written).toHaveBeenCalledTimes(1));
    const line = String(written.mock.calls[0]?.[0]);
    expect(line).toContain(`${origin}/jwks?…`);
    expect(line).not.toContain('do-not-log-me');
  });

  it('goes away when the limit is raised (the documented fix)', async () => {
    const errors: Error[] = [];
    const { rs } = await keysAt(64 * 1024, (error) => errors.push(error));
    expectAccepted(await rs.authenticate(bearerRequest(await mint(key))));
    expect(errors).toEqual([]);
  });
});

describe('ERR_RS_HTTP_TOO_LARGE from an introspection endpoint', () => {
  async function introspectionAt(maxResponseBytes: number) {
    const origin = await serveJson({ active: true, scope: 'read', padding: PADDING });
    const errors: IntrospectionError[] = [];
    const rs = createResourceServer({
      resolver: introspectionResolver({
        endpoint: `${origin}/introspect${SECRET_QUERY}`,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'rs-secret' },
        acceptAnyAudience: true,
        maxResponseBytes,
        onError: (error) => errors.push(error),
      }),
    });
    return { origin, rs, errors };
  }

  it('is the cause of the IntrospectionError to onError, which names the endpoint; requests get 503', async () => {
    const { origin, rs, errors } = await introspectionAt(1024);
    expectRejected(await rs.authenticate(bearerRequest('opaque-token')), 'introspection_unavailable', 503);
    expect(errors.map((error) => error.code)).toEqual(['ERR_RS_INTROSPECTION_UNAVAILABLE']);
    expect(errors[0]?.cause).toBeInstanceOf(HttpClientError);
    expect(errors[0]?.cause).toMatchObject({ code: 'ERR_RS_HTTP_TOO_LARGE' });
    expect(errors[0]?.message).toContain(`${origin}/introspect?…`);
    expect(errors[0]?.message).not.toContain('do-not-log-me');
  });

  it('goes away when the limit is raised (the documented fix)', async () => {
    const { rs, errors } = await introspectionAt(64 * 1024);
    expectAccepted(await rs.authenticate(bearerRequest('opaque-token')));
    expect(errors).toEqual([]);
  });
});
