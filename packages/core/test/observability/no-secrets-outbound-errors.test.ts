import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { inspect } from 'node:util';
import { generateSigningKey, jwksOf, mintToken } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createResourceServer,
  fetchHttpClient,
  type HttpClient,
  introspectionResolver,
  jwtResolver,
  memoryReplayStore,
  remoteJwks,
  revocationList,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import { type ClosableHttpClient, undiciHttpClient } from '../../src/node/index.js';
import { everyRendering, leaked } from './no-secrets-search.js';

// The outbound calls of @rs (introspection, the JWK set, security event polling) fail, and every error that
// follows is handed to the application: `onError`, `onFetchError`, a poll's rejection, `status()`, audit
// events, the console. Each failure here comes from a loopback server that writes back, somewhere in its
// answer, the whole request it was sent (its Authorization header, its form with the token and the client
// secret, its query with an API key): a body, a header, a status line, a malformed message. Whatever the
// server sends, none of it may reach those errors. With each of the three HTTP clients.
const CLIENT_SECRET = 'client-secret-canary-6e1f';
const INTROSPECTION_BEARER = 'introspection-bearer-canary-93c0';
const API_KEY = 'api-key-canary-5d27';
const POLL_AUTHORIZATION = 'Bearer poll-authorization-canary-4b8a';

/** The request as received, on one line: what each answer below sends back. */
type Answer = (request: string) => string | 'reset' | 'hang';

const answer = (status: string, type: string, body: string, extra = '') =>
  `HTTP/1.1 ${status}\r\ncontent-type: ${type}\r\ncontent-length: ${Buffer.byteLength(body)}\r\n${extra}connection: close\r\n\r\n${body}`;
const ANSWERS: Record<string, Answer> = {
  'a 500 whose body is the request': (echo) => answer('500 Internal Server Error', 'text/plain', echo),
  'a 400 whose error_description is the request': (echo) =>
    answer(
      '400 Bad Request',
      'application/json',
      JSON.stringify({ error: 'invalid_request', error_description: echo }),
    ),
  'a 401 whose challenge and body are the request': (echo) =>
    answer(
      '401 Unauthorized',
      'application/json',
      JSON.stringify({ error: 'invalid_client', error_description: echo }),
      `www-authenticate: Basic realm="${echo.replace(/"/g, '')}"\r\n`,
    ),
  'an HTML page holding the request': (echo) => answer('200 OK', 'text/html', `<p>${echo}</p>`),
  'JSON of the wrong shape holding the request': (echo) =>
    answer('200 OK', 'application/json', JSON.stringify({ active: 'maybe', keys: 'none', sets: 1, echo })),
  'JSON cut short after the request': (echo) =>
    answer('200 OK', 'application/json', `{"active": true, "keys": [${echo}`),
  'a media type made of the request': (echo) =>
    answer('200 OK', `text/${echo.slice(0, 2000).replace(/[^A-Za-z0-9+=/-]/g, '-')}`, '{}'),
  'a redirect to the request': (echo) =>
    `HTTP/1.1 302 Found\r\nlocation: /elsewhere?${encodeURIComponent(echo)}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
  'a status reason phrase made of the request': (echo) =>
    `HTTP/1.1 503 ${echo.slice(0, 4000)}\r\ncontent-length: 0\r\nconnection: close\r\n\r\n`,
  'a status line that does not parse, then the request': (echo) => `HTTP/1.1 2x0 ${echo}\r\n\r\n`,
  'a header line that does not parse, made of the request': (echo) => `HTTP/1.1 200 OK\r\n${echo}\r\n\r\n`,
  'more body than its content-length says': (echo) =>
    `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n{}HTTP/1.1 ${echo}\r\n\r\n`,
  'a connection reset': () => 'reset',
  'no answer at all': () => 'hang',
};

let server: Server;
let origin: string;
const sockets = new Set<Socket>();

beforeAll(async () => {
  server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => undefined);
    let received = '';
    socket.on('data', (chunk: Buffer) => {
      received += chunk.toString('latin1');
      const headersEnd = received.indexOf('\r\n\r\n');
      if (headersEnd < 0) return;
      const length = Number(/\r\ncontent-length:\s*(\d+)/i.exec(received)?.[1] ?? 0);
      if (received.length < headersEnd + 4 + length) return;
      const name = decodeURIComponent(
        new URL(received.split(' ')[1] ?? '/', 'http://x').pathname.split('/')[1] ?? '',
      );
      const reply = (ANSWERS[name] ?? ANSWERS['a 500 whose body is the request']!)(
        received.replace(/\r?\n/g, ' '),
      );
      if (reply === 'reset') socket.resetAndDestroy();
      else if (reply !== 'hang') socket.end(reply);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => server.close(resolve));
});

/** `<origin>/<how it answers>?api_key=…` */
function endpointAnswering(name: string): string {
  return `${origin}/${encodeURIComponent(name)}?api_key=${API_KEY}`;
}

/** What the application may print: errors in every rendering, anything else inspected and as JSON. */
function printed(items: readonly unknown[]): string {
  return items
    .map((item) =>
      item instanceof Error
        ? everyRendering(item)
        : `${inspect(item, { depth: 10, showHidden: true, getters: true })}\n${JSON.stringify(
            item,
            (_, value) => (value instanceof Error ? everyRendering(value) : value),
          )}`,
    )
    .join('\n');
}

const clients: { readonly name: string; readonly make: () => HttpClient | undefined }[] = [
  { name: 'the default HTTP client', make: () => undefined },
  { name: 'undiciHttpClient', make: () => undiciHttpClient() },
  { name: 'fetchHttpClient', make: () => fetchHttpClient() },
];

describe.each(clients)('failed outbound calls through $name hold nothing the request carried', ({ make }) => {
  // A connection that never answers ends at the timeout: short, so that the test is quick, and the same
  // for every call, so that no bound depends on how loaded the machine is.
  const TIMEOUT_MS = 500;
  const printedItems: unknown[] = [];
  const secrets: string[] = [CLIENT_SECRET, INTROSPECTION_BEARER, API_KEY, POLL_AUTHORIZATION];
  let httpClient: HttpClient | undefined;

  beforeAll(() => {
    httpClient = make();
    for (const method of ['log', 'info', 'warn', 'error', 'debug'] as const)
      vi.spyOn(console, method).mockImplementation((...args: unknown[]) => void printedItems.push(...args));
  });
  afterAll(async () => {
    vi.restoreAllMocks();
    await (httpClient as ClosableHttpClient | undefined)?.close?.();
  });

  it.each(Object.keys(ANSWERS))('introspection answered with %s', async (name) => {
    for (const clientAuthentication of [
      { method: 'client_secret_basic', clientId: 'rs', clientSecret: CLIENT_SECRET },
      { method: 'client_secret_post', clientId: 'rs', clientSecret: CLIENT_SECRET },
      { method: 'bearer', token: INTROSPECTION_BEARER },
    ] as const) {
      const resolver = introspectionResolver({
        endpoint: endpointAnswering(name),
        clientAuthentication,
        acceptAnyAudience: true,
        timeout: TIMEOUT_MS,
        retries: 0,
        httpClient,
        onError: (error) => void printedItems.push(error),
      });
      const rs = createResourceServer({
        resolver,
        requireHttps: false,
        onAudit: (event) => void printedItems.push(event),
      });
      const token = `opaque-token-canary-${crypto.randomUUID()}`;
      secrets.push(token);
      const result = await rs.authenticate({
        method: 'GET',
        url: 'http://api.example.com/orders',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(result.ok).toBe(false);
      printedItems.push(result, rs.status());
    }
  });

  it.each(Object.keys(ANSWERS))('the JWK set answered with %s', async (name) => {
    const key = await generateSigningKey('ES256', 'k1');
    const rs = createResourceServer({
      requireHttps: false,
      resolver: jwtResolver({
        issuer: 'https://as.example.com',
        audience: 'https://api.example.com',
        keys: remoteJwks({
          url: endpointAnswering(name),
          timeout: TIMEOUT_MS,
          httpClient,
          onFetchError: (error) => void printedItems.push(error),
        }),
      }),
      onAudit: (event) => void printedItems.push(event),
    });
    const token = await mintToken(key, {
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      now: Math.floor(Date.now() / 1000),
    });
    secrets.push(token);
    const result = await rs.authenticate({
      method: 'GET',
      url: 'http://api.example.com/orders',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(result.ok).toBe(false);
    printedItems.push(result, rs.status());
  });

  it.each(Object.keys(ANSWERS))('a security event poll answered with %s', async (name) => {
    const key = await generateSigningKey('ES256', 'ssf-1');
    const receiver = securityEventReceiver({
      issuer: 'https://ssf.example.com',
      audience: 'https://api.example.com/ssf',
      keys: staticJwks(jwksOf(key)),
      replayStore: memoryReplayStore(),
      revocations: revocationList(),
    });
    const poller = securityEventPoller({
      endpoint: endpointAnswering(name),
      receiver,
      headers: { authorization: POLL_AUTHORIZATION },
      returnImmediately: true,
      timeout: TIMEOUT_MS,
      httpClient,
      onError: (error) => void printedItems.push(error),
    });
    // Some of these answers are a poll without SETs (a body of `{}`), the others a rejection.
    printedItems.push(await poller.pollOnce().catch((error: unknown) => error));
  });

  it('none of it reaches what the application is handed', () => {
    expect(printedItems.length).toBeGreaterThan(100);
    expect(leaked(printed(printedItems), secrets)).toEqual([]);
  });
});
