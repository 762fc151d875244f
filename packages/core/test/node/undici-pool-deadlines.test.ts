import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HttpClientError, type HttpRequest } from '../../src/index.js';
import { type ClosableHttpClient, undiciHttpClient } from '../../src/node/index.js';

// How long the requests that keep connections busy would wait: far beyond any test.
const HUNG_TIMEOUT_MS = 60_000;
// The timeout of the request under test: its failure must come within a few of these, not after the
// hung requests' own timeout.
const SHORT_TIMEOUT_MS = 300;

/**
 * An authorization server on loopback: `/hang` is accepted and never answered (until `release()`),
 * `/jwks` answers at once. Counts hits per path.
 */
interface HangingServer {
  readonly base: string;
  readonly hits: Map<string, number>;
  /** Resolves once `count` requests to `/hang` have reached the server. */
  hung(count: number): Promise<void>;
  /** Answers every hung request. */
  release(): void;
}

const servers: Server[] = [];
const clients: ClosableHttpClient[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    server.close();
  }
});

async function hangingServer(): Promise<HangingServer> {
  const hits = new Map<string, number>();
  const held: ServerResponse[] = [];
  let waiting: { count: number; resolve: () => void } | undefined;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://x').pathname;
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/hang') {
      held.push(response);
      if (waiting !== undefined && held.length >= waiting.count) waiting.resolve();
      return;
    }
    response.writeHead(200, { 'content-type': 'application/json' }).end('{"keys":[]}');
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    hits,
    hung: (count) =>
      held.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiting = { count, resolve };
          }),
    release() {
      for (const response of held.splice(0)) response.writeHead(200).end('{}');
    },
  };
}

function client(options: Parameters<typeof undiciHttpClient>[0] = {}): ClosableHttpClient {
  const made = undiciHttpClient(options);
  clients.push(made);
  return made;
}

/** Sends `count` requests to `/hang`; they settle (either way) only when the server is released. */
function hang(http: ClosableHttpClient, base: string, count: number): Promise<unknown>[] {
  return Array.from({ length: count }, () =>
    http
      .send({
        method: 'POST',
        url: `${base}/hang`,
        body: 'token=x',
        timeoutMs: HUNG_TIMEOUT_MS,
        maxResponseBytes: 1_024,
      })
      .catch((error: unknown) => error),
  );
}

/**
 * How `send` ended and how long it took; `'still waiting'` when it had not ended after `giveUpMs`, so a
 * request that waits for the hung ones fails the test with that rather than by the test's timeout.
 */
async function timed(
  send: () => Promise<unknown>,
  giveUpMs: number,
): Promise<{ ms: number; outcome: unknown }> {
  const start = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const outcome = await Promise.race([
    send().catch((error: unknown) => error),
    new Promise((resolve) => {
      timer = setTimeout(() => resolve('still waiting'), giveUpMs);
    }),
  ]);
  clearTimeout(timer);
  return { ms: performance.now() - start, outcome };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function jwksRequest(base: string): HttpRequest {
  return { method: 'GET', url: `${base}/jwks`, timeoutMs: SHORT_TIMEOUT_MS, maxResponseBytes: 1_024 };
}

describe('undiciHttpClient under a hanging endpoint', () => {
  it('ends a request waiting for a connection of a full pool within its own timeout', async () => {
    const server = await hangingServer();
    const http = client({ connections: 2 });
    const hung = hang(http, server.base, 2);
    await server.hung(2);

    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => {
      unhandled.push(reason);
    };
    process.on('unhandledRejection', onUnhandled);
    try {
      const { ms, outcome } = await timed(() => http.send(jwksRequest(server.base)), 10 * SHORT_TIMEOUT_MS);
      expect(outcome).toBeInstanceOf(HttpClientError);
      expect(outcome).toMatchObject({
        code: 'ERR_RS_HTTP_TIMEOUT',
        message: `${server.base}/jwks did not answer within ${SHORT_TIMEOUT_MS} ms`,
      });
      expect(ms).toBeGreaterThanOrEqual(SHORT_TIMEOUT_MS - 1);
      // Generous for a loaded machine: a few times the request's own timeout, far below the hung ones'.
      expect(ms).toBeLessThan(5 * SHORT_TIMEOUT_MS);

      // Connections come free: the request that gave up is dropped, not sent late, and leaves no
      // unhandled rejection; the pool serves the next request.
      server.release();
      await Promise.all(hung);
      const next = await http.send({ ...jwksRequest(server.base), timeoutMs: 5_000 });
      expect(next.status).toBe(200);
      await sleep(50);
      expect(unhandled).toEqual([]);
      expect(server.hits.get('/jwks')).toBe(1);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('by default lets a request to another endpoint of the origin through while one endpoint hangs', async () => {
    const server = await hangingServer();
    const http = client();
    // More than a per-origin cap of 16 connections would hold.
    const hung = hang(http, server.base, 20);
    await server.hung(16);
    await sleep(100);

    const { outcome } = await timed(
      () => http.send({ ...jwksRequest(server.base), timeoutMs: 2_000 }),
      5_000,
    );
    expect(outcome).toMatchObject({ status: 200 });
    expect(server.hits.get('/hang')).toBe(20);

    server.release();
    await Promise.all(hung);
  });
});

describe('undiciHttpClient with many requests under way', () => {
  it('emits no MaxListenersExceededWarning for 20 concurrent requests', async () => {
    const server = await hangingServer();
    const http = client();
    const warnings: Error[] = [];
    const onWarning = (warning: Error): void => {
      if (warning.name === 'MaxListenersExceededWarning') warnings.push(warning);
    };
    process.on('warning', onWarning);
    try {
      const answers = await Promise.all(
        Array.from({ length: 20 }, () => http.send({ ...jwksRequest(server.base), timeoutMs: 5_000 })),
      );
      expect(answers.map(({ status }) => status)).toEqual(Array(20).fill(200));
      // Warnings are emitted on a later tick.
      await sleep(50);
      expect(warnings).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});
