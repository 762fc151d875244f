import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HttpClientError } from '../../src/index.js';
import { type ClosableHttpClient, undiciHttpClient } from '../../src/node/index.js';

/**
 * Undici has time limits of its own (300 s for the headers, 300 s between body chunks, 10 s to connect).
 * A request's `timeoutMs` may be longer: it must then be the request's only limit for the answer, and a
 * connection that undici gives up on must be reported as such, not as the request's deadline passing.
 *
 * The minutes are passed with fake `setTimeout`s (undici's timers and the request deadline both run on
 * them); the sockets are real. One fake clock for the whole file: undici keeps the timer of its clock
 * tick between requests, and a tick timer of a clock uninstalled since would never fire again.
 */
beforeAll(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
});
afterAll(() => {
  vi.useRealTimers();
});

interface SilentServer {
  readonly port: number;
  /** Resolves once a client has sent something (a request, or a TLS ClientHello). */
  readonly spokenTo: Promise<void>;
}

const servers: Server[] = [];
const sockets: Socket[] = [];
const clients: ClosableHttpClient[] = [];
afterEach(async () => {
  for (const socket of sockets.splice(0)) socket.destroy();
  await Promise.all(clients.splice(0).map((client) => client.close()));
  await Promise.all(
    servers.splice(0).map((server) => new Promise<void>((resolve) => server.close(() => resolve()))),
  );
});

/** Accepts connections, reads what arrives and never writes a byte: no HTTP answer, no TLS handshake. */
async function silentServer(): Promise<SilentServer> {
  let spoken!: () => void;
  const spokenTo = new Promise<void>((resolve) => {
    spoken = resolve;
  });
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.once('data', () => spoken());
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as AddressInfo).port, spokenTo };
}

function client(): ClosableHttpClient {
  const made = undiciHttpClient();
  clients.push(made);
  return made;
}

/** How `promise` settled, read without awaiting it. */
function watch(promise: Promise<unknown>): {
  readonly settled: () => boolean;
  readonly error: () => unknown;
} {
  let settled = false;
  let error: unknown;
  promise.then(
    () => {
      settled = true;
    },
    (reason: unknown) => {
      settled = true;
      error = reason;
    },
  );
  return { settled: () => settled, error: () => error };
}

describe('undiciHttpClient beyond undici’s own time limits', () => {
  it('waits for the headers as long as the request’s timeout, past undici’s 300 s, then times out', async () => {
    const server = await silentServer();
    const sending = client().send({
      method: 'GET',
      url: `http://127.0.0.1:${server.port}/jwks`,
      timeoutMs: 400_000,
      maxResponseBytes: 1024,
    });
    const outcome = watch(sending);
    await server.spokenTo;
    await vi.advanceTimersByTimeAsync(350_000);
    // Undici's default headersTimeout would have ended it at 300 s, as a network error.
    expect(outcome.error()).toBeUndefined();
    expect(outcome.settled()).toBe(false);
    await vi.advanceTimersByTimeAsync(50_000);
    await expect(sending).rejects.toBeInstanceOf(HttpClientError);
    expect((outcome.error() as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect((outcome.error() as HttpClientError).message).toContain('did not answer within 400000 ms');
  });

  it('says that the connection failed when a TLS handshake outlasts undici’s connect timeout', async () => {
    const server = await silentServer();
    const sending = client().send({
      method: 'GET',
      url: `https://127.0.0.1:${server.port}/jwks`,
      timeoutMs: 60_000,
      maxResponseBytes: 1024,
    });
    const outcome = watch(sending);
    await server.spokenTo;
    await vi.advanceTimersByTimeAsync(11_000);
    // setImmediate stays real: undici lets socket events pass before its connect timeout fires.
    await vi.waitFor(() => expect(outcome.settled()).toBe(true));
    const error = outcome.error() as HttpClientError;
    expect(error).toBeInstanceOf(HttpClientError);
    expect(error.code).toBe('ERR_RS_HTTP_TIMEOUT');
    // Not "did not answer within 60000 ms": only 10 s had passed.
    expect(error.message).toContain('did not complete a connection within 10000 ms');
  });
});
