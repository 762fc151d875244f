import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createResourceServer,
  type HttpClient,
  HttpClientError,
  type IntrospectionError,
  introspectionResolver,
  remoteJwks,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { bearerRequest, expectRejected } from '../helpers.js';

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

/** A loopback introspection endpoint that never answers, and how many requests it received. */
async function hungEndpoint(): Promise<{ url: string; requests: () => number; firstRequest: Promise<void> }> {
  let requests = 0;
  let arrived!: () => void;
  const firstRequest = new Promise<void>((resolve) => {
    arrived = resolve;
  });
  const server = createServer(() => {
    requests++;
    arrived();
  });
  servers.push(server);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  return { url, requests: () => requests, firstRequest };
}

/** `http`, counting the exchanges it is asked for: the requests a closed client never sends too. */
function counted(http: HttpClient): { http: HttpClient; sends: () => number } {
  let sends = 0;
  return {
    http: {
      send(request) {
        sends++;
        return http.send(request);
      },
    },
    sends: () => sends,
  };
}

function resourceServerOn(url: string, http: HttpClient) {
  const errors: IntrospectionError[] = [];
  const resolver = introspectionResolver({
    endpoint: url,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'rs-secret' },
    acceptAnyAudience: true,
    httpClient: http,
    // Far longer than the close() grace period: a request that retried a closed client would go on.
    timeout: 60_000,
    retries: 3,
    retryDelay: 10,
    onError: (error) => errors.push(error),
  });
  return { rs: createResourceServer({ resolver }), errors };
}

describe('a closed undiciHttpClient', () => {
  it('cuts a request under way with ERR_RS_HTTP_CLOSED, which introspection does not retry', async () => {
    const endpoint = await hungEndpoint();
    const client = undiciHttpClient();
    const { http, sends } = counted(client);
    const { rs, errors } = resourceServerOn(endpoint.url, http);

    const outcome = rs.authenticate(bearerRequest('token-under-way'));
    await endpoint.firstRequest;
    await client.close();

    expectRejected(await outcome, 'introspection_unavailable');
    expect(sends()).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]!.cause).toBeInstanceOf(HttpClientError);
    expect(errors[0]!.cause).toMatchObject({ code: 'ERR_RS_HTTP_CLOSED' });
  });

  it('fails a request sent after close() at once with ERR_RS_HTTP_CLOSED, and introspection asks it once', async () => {
    const endpoint = await hungEndpoint();
    const client = undiciHttpClient();
    await client.close();

    await expect(
      client.send({ method: 'GET', url: endpoint.url, timeoutMs: 60_000, maxResponseBytes: 1024 }),
    ).rejects.toMatchObject({ name: 'HttpClientError', code: 'ERR_RS_HTTP_CLOSED' });

    const { http, sends } = counted(client);
    const { rs, errors } = resourceServerOn(endpoint.url, http);
    expectRejected(await rs.authenticate(bearerRequest('token-after-close')), 'introspection_unavailable');
    expect(sends()).toBe(1);
    expect(endpoint.requests()).toBe(0);
    expect(errors[0]!.cause).toMatchObject({ code: 'ERR_RS_HTTP_CLOSED' });
  });

  it('fails a JWK set fetch made after close() at once with ERR_RS_HTTP_CLOSED, asked once', async () => {
    const endpoint = await hungEndpoint();
    const client = undiciHttpClient();
    await client.close();
    const { http, sends } = counted(client);
    const fetchErrors: Error[] = [];
    const keys = remoteJwks({
      url: endpoint.url,
      httpClient: http,
      timeout: 60_000,
      onFetchError: (error) => fetchErrors.push(error),
    });

    const selected = await keys.keysFor({ alg: 'ES256', kid: 'k1' }, Date.now());
    expect(selected).toMatchObject({ ok: false, failure: { code: 'keys_unavailable' } });
    expect(sends()).toBe(1);
    expect(fetchErrors).toHaveLength(1);
    expect(fetchErrors[0]).toMatchObject({ name: 'HttpClientError', code: 'ERR_RS_HTTP_CLOSED' });
  });
});
