import { once } from 'node:events';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { createTestPki, type TestPki } from '@rs/testkit';
import { type Dispatcher, EnvHttpProxyAgent, fetch as undiciFetch } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fetchHttpClient, type HttpClient } from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';

// An egress proxy on loopback (HTTP CONNECT tunnels, as corporate proxies run), in front of an
// authorization server behind a private CA, and a plain-http one.

let pki: TestPki;
let proxy: HttpServer;
let proxyUrl: string;
let tunnels: string[] = [];
const tunnelSockets = new Set<Socket>();
let authorizationServer: HttpsServer;
let jwksUrl: string;
let plainServer: HttpServer;
let plainJwksUrl: string;

const answer = (_request: unknown, response: { end(body: string): void }) => response.end('{"keys":[]}');

beforeAll(async () => {
  pki = createTestPki();
  proxy = createHttpServer((_request, response) => response.writeHead(502).end());
  proxy.on('connect', (request, client: Socket, head: Buffer) => {
    tunnels.push(request.url ?? '');
    const [host, port] = (request.url ?? '').split(/:(?=\d+$)/);
    const upstream = connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client).pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      tunnelSockets.add(socket);
      socket.on('error', () => undefined);
      socket.on('close', () => {
        tunnelSockets.delete(socket);
        client.destroy();
        upstream.destroy();
      });
    }
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
  authorizationServer = createHttpsServer({ cert: pki.server.pem, key: pki.server.keyPem }, answer);
  authorizationServer.listen(0, '127.0.0.1');
  await once(authorizationServer, 'listening');
  jwksUrl = `https://127.0.0.1:${(authorizationServer.address() as AddressInfo).port}/jwks`;
  plainServer = createHttpServer(answer);
  plainServer.listen(0, '127.0.0.1');
  await once(plainServer, 'listening');
  plainJwksUrl = `http://127.0.0.1:${(plainServer.address() as AddressInfo).port}/jwks`;
});

afterAll(() => {
  for (const socket of tunnelSockets) socket.destroy();
  for (const server of [proxy, authorizationServer, plainServer]) {
    server?.closeAllConnections();
    server?.close();
  }
  pki?.cleanup();
});

/**
 * Undici's `fetch` sending through `dispatcher`, as `fetchHttpClient` takes it: the way to a proxy, since
 * the built-in clients connect directly. (Undici's types for `fetch` are its own, not the DOM's.)
 */
function fetchThrough(dispatcher: Dispatcher): typeof fetch {
  return ((input: string, init?: Parameters<typeof undiciFetch>[1]) =>
    undiciFetch(input, { ...init, dispatcher })) as unknown as typeof fetch;
}

const get = (client: HttpClient, url: string) =>
  client.send({ method: 'GET', url, timeoutMs: 5_000, maxResponseBytes: 1_000 });

describe('HTTP to the authorization server through an egress proxy', () => {
  it('is direct with the built-in clients, whatever HTTP_PROXY and HTTPS_PROXY say', async () => {
    const names = ['HTTP_PROXY', 'HTTPS_PROXY', 'http_proxy', 'https_proxy'] as const;
    const saved = names.map((name) => process.env[name]);
    for (const name of names) process.env[name] = proxyUrl;
    const undici = undiciHttpClient({ tls: { ca: pki.ca.pem } });
    try {
      tunnels = [];
      expect((await get(undici, jwksUrl)).status).toBe(200);
      expect((await get(undici, plainJwksUrl)).status).toBe(200);
      // Node's fetch reads them only under NODE_USE_ENV_PROXY=1, on the versions that have it, read at start.
      if (process.env.NODE_USE_ENV_PROXY !== '1')
        expect((await get(fetchHttpClient(), plainJwksUrl)).status).toBe(200);
      expect(tunnels).toEqual([]);
    } finally {
      await undici.close();
      names.forEach((name, index) => {
        if (saved[index] === undefined) delete process.env[name];
        else process.env[name] = saved[index];
      });
    }
  });

  it('goes through it with fetchHttpClient on undici’s EnvHttpProxyAgent, NO_PROXY heeded', async () => {
    const { port } = new URL(jwksUrl);
    const viaProxy = new EnvHttpProxyAgent({ httpsProxy: proxyUrl, requestTls: { ca: pki.ca.pem } });
    const bypassing = new EnvHttpProxyAgent({
      httpsProxy: proxyUrl,
      noProxy: '127.0.0.1',
      connect: { ca: pki.ca.pem },
    });
    try {
      tunnels = [];
      const proxied = fetchHttpClient(fetchThrough(viaProxy));
      expect(new TextDecoder().decode((await get(proxied, jwksUrl)).body)).toBe('{"keys":[]}');
      expect(tunnels).toEqual([`127.0.0.1:${port}`]);
      const direct = fetchHttpClient(fetchThrough(bypassing));
      expect((await get(direct, jwksUrl)).status).toBe(200);
      expect(tunnels).toHaveLength(1);
    } finally {
      await Promise.all([viaProxy.close(), bypassing.close()]);
    }
  });
});
