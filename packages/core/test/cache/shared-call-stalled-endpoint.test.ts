import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AuthResult,
  createResourceServer,
  fetchHttpClient,
  type HttpClient,
  introspectionResolver,
  tokenCache,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import { bearerRequest, expectRejected } from '../helpers.js';

// Fault injection on the opaque-token path: an introspection endpoint on loopback that hangs, sends its
// headers then stalls, dribbles a body that never ends, or answers after the deadline. Whatever it does,
// every request waiting for the shared call gets its 503 (never waits past the call's own deadline), the
// endpoint is asked once, and nothing is left open once the requests are answered.

// Ample for a loopback exchange on a loaded machine; bounds below are multiples of it, never budgets.
const TIMEOUT_MS = 1_000;
const HUNG_AFTER_MS = 10 * TIMEOUT_MS;

type Fault = 'hangs' | 'stalls its body' | 'dribbles forever' | 'answers after the deadline';

/**
 * A raw HTTP/1.1 endpoint showing `fault` to every request, counting requests and the open connections
 * that carried one. (A pooled client may also open a connection for a request that was given up before
 * it connected: that one never carries a request and waits, idle, for the pool's keep-alive to end it.)
 */
async function faultyEndpoint(fault: Fault) {
  const sockets = new Set<Socket>();
  const asked = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();
  let requests = 0;
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => {
      sockets.delete(socket);
      asked.delete(socket);
    });
    socket.on('error', () => undefined);
    let head = '';
    socket.on('data', (chunk) => {
      head += chunk.toString('latin1');
      // The request body is a short form: it comes with its head.
      if (!head.includes('\r\n\r\n')) return;
      head = '';
      requests++;
      asked.add(socket);
      if (fault === 'hangs') return;
      if (fault === 'stalls its body') {
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 64\r\n\r\n{"active":',
        );
        return;
      }
      if (fault === 'dribbles forever') {
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n',
        );
        const dribble = setInterval(() => socket.write('1\r\n \r\n'), TIMEOUT_MS / 20);
        timers.add(dribble);
        socket.on('close', () => clearInterval(dribble));
        return;
      }
      const late = setTimeout(() => {
        const body = '{"active":true}';
        socket.write(
          `HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${body.length}\r\n\r\n${body}`,
        );
      }, 3 * TIMEOUT_MS);
      timers.add(late);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}/introspect`,
    get requests() {
      return requests;
    },
    get openConnections() {
      return asked.size;
    },
    close(): Promise<void> {
      for (const timer of timers) clearTimeout(timer);
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

type Endpoint = Awaited<ReturnType<typeof faultyEndpoint>>;

const CLIENTS: readonly [string, () => HttpClient & { close?(): Promise<void> }][] = [
  ['fetch', () => fetchHttpClient()],
  ['undici', () => undiciHttpClient()],
];

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp(fault: Fault, makeClient: () => HttpClient & { close?(): Promise<void> }) {
  const endpoint = await faultyEndpoint(fault);
  cleanups.push(() => endpoint.close());
  const httpClient = makeClient();
  cleanups.push(async () => httpClient.close?.());
  const resolver = introspectionResolver({
    endpoint: endpoint.url,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    acceptAnyAudience: true,
    timeout: TIMEOUT_MS,
    retries: 1,
    httpClient,
    onError: () => undefined,
  });
  return { endpoint, rs: createResourceServer({ resolver: tokenCache(resolver) }) };
}

/** Every result, or `'still waiting'` when some request took {@link HUNG_AFTER_MS}. */
async function allUnlessHung(requests: Promise<AuthResult>[]): Promise<AuthResult[] | 'still waiting'> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<'still waiting'>((resolve) => {
    timer = setTimeout(() => resolve('still waiting'), HUNG_AFTER_MS);
  });
  try {
    return await Promise.race([Promise.all(requests), hung]);
  } finally {
    clearTimeout(timer);
  }
}

/** Waits until the endpoint holds no connection of ours, or {@link HUNG_AFTER_MS} have passed. */
async function connectionsClosed(endpoint: Endpoint): Promise<number> {
  for (let waited = 0; endpoint.openConnections > 0 && waited < HUNG_AFTER_MS; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return endpoint.openConnections;
}

function after(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const FAULTS: readonly Fault[] = [
  'hangs',
  'stalls its body',
  'dribbles forever',
  'answers after the deadline',
];

describe.each(CLIENTS)('one opaque token, many requests, with the %s client', (_name, makeClient) => {
  it.each(FAULTS)(
    'an endpoint that %s: every request, early or late, gets 503 from the one call',
    async (fault) => {
      const { endpoint, rs } = await setUp(fault, makeClient);
      // Joining all along the first half of the call, the last ones shortly before its deadline.
      const requests = Array.from({ length: 30 }, async (_, index) => {
        await after((index * TIMEOUT_MS) / 60);
        return rs.authenticate(bearerRequest('one-opaque-token'));
      });

      const results = await allUnlessHung(requests);

      expect(results).not.toBe('still waiting');
      for (const result of results as AuthResult[]) expectRejected(result, 'introspection_unavailable', 503);
      // The call timed out: no time was left for a retry within its budget.
      expect(endpoint.requests).toBe(1);
      expect(await connectionsClosed(endpoint)).toBe(0);
    },
    3 * HUNG_AFTER_MS,
  );

  it(
    'distinct tokens against an endpoint that hangs: all answered 503, then every connection that carried a request is let go',
    async () => {
      const { endpoint, rs } = await setUp('hangs', makeClient);
      const tokens = Array.from({ length: 1_000 }, (_, index) => `opaque-token-${index}`);

      const results = await allUnlessHung(tokens.map((token) => rs.authenticate(bearerRequest(token))));

      expect(results).not.toBe('still waiting');
      for (const result of results as AuthResult[]) expectRejected(result, 'introspection_unavailable', 503);
      expect(await connectionsClosed(endpoint)).toBe(0);
    },
    3 * HUNG_AFTER_MS,
  );
});
