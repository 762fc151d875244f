import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { fetchHttpClient, type HttpClient, HttpClientError, type HttpRequest } from '../../src/index.js';
import { type ClosableHttpClient, undiciHttpClient } from '../../src/node/index.js';

// An exchange given up (its timeout, or the caller's signal) must let go of its connection, also when the
// server sent the headers and then stalls the body, and also over a `fetch` that is not handed the signal
// (a wrapper that forwards only the options it knows): a server that stalls would otherwise hold one
// connection open per request, for as long as it likes.

const TIMEOUT_MS = 250;
// How long the connection may take to close once the exchange was given up: generous, on a loaded machine.
// Left open, it would stay open until the server closes it, which this one never does.
const CLOSE_WITHIN_MS = 20 * TIMEOUT_MS;

interface StallingServer {
  readonly url: string;
  /** Resolves with the connection of the next request, once its headers were answered. */
  nextRequestSocket(): Promise<Socket>;
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

/** Answers every request with its headers and the first bytes of a JSON body, then nothing, ever. */
async function stallingServer(): Promise<StallingServer> {
  const waiting: ((socket: Socket) => void)[] = [];
  const server = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.write('{"keys":[', () => waiting.shift()?.(request.socket));
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    nextRequestSocket: () => new Promise<Socket>((resolve) => waiting.push(resolve)),
  };
}

/** Whether `socket` closes within `ms`. */
function closesWithin(socket: Socket, ms: number): Promise<boolean> {
  if (socket.destroyed) return Promise.resolve(true);
  return new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => resolve(false), ms);
    socket.once('close', () => {
      clearTimeout(timer);
      resolve(true);
    });
  });
}

/** A client under test, and a way to know it has the response headers (so that it is reading the body). */
interface ClientUnderTest {
  readonly client: HttpClient;
  readonly headersReceived: Promise<void>;
}

/** Node's own fetch, told when it resolved; with `deaf`, not handed the signal (a wrapper that drops it). */
function fetchClient(deaf: boolean): ClientUnderTest {
  let received: () => void = () => undefined;
  const headersReceived = new Promise<void>((resolve) => {
    received = resolve;
  });
  const observedFetch: typeof fetch = async (input, init) => {
    const response = await fetch(input, deaf ? { ...init, signal: null } : init);
    received();
    return response;
  };
  return { client: fetchHttpClient(observedFetch), headersReceived };
}

const CLIENTS: readonly (readonly [string, (server: Promise<Socket>) => ClientUnderTest])[] = [
  ['fetchHttpClient', () => fetchClient(false)],
  ['fetchHttpClient over a fetch that is not handed the signal', () => fetchClient(true)],
  [
    'undiciHttpClient',
    (socket) => {
      const client = undiciHttpClient();
      clients.push(client);
      // Undici's request has no step of its own between headers and body: the server's side will do.
      return { client, headersReceived: socket.then(() => undefined) };
    },
  ],
];

describe.each(CLIENTS)('%s, when the server stalls the body', (_name, makeClient) => {
  const request = (url: string, signal?: AbortSignal): HttpRequest => ({
    method: 'GET',
    url,
    timeoutMs: TIMEOUT_MS,
    maxResponseBytes: 1_024,
    signal,
  });

  it('closes the connection once the request times out', { timeout: CLOSE_WITHIN_MS + 5_000 }, async () => {
    const server = await stallingServer();
    const socket = server.nextRequestSocket();
    const { client, headersReceived } = makeClient(socket);
    // Its failure is taken at once: on a loaded machine the timeout may pass before the headers are
    // seen, and a rejection nothing handled yet would be reported as unhandled.
    const failed = client.send(request(server.url)).then(
      () => undefined,
      (error: unknown) => error,
    );
    await headersReceived;
    const failure = await failed;
    expect(failure).toBeInstanceOf(HttpClientError);
    expect((failure as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(await closesWithin(await socket, CLOSE_WITHIN_MS)).toBe(true);
  });

  it("closes the connection once the caller's signal aborts", {
    timeout: CLOSE_WITHIN_MS + 5_000,
  }, async () => {
    const server = await stallingServer();
    const caller = new AbortController();
    const socket = server.nextRequestSocket();
    const { client, headersReceived } = makeClient(socket);
    const sent = client.send({ ...request(server.url, caller.signal), timeoutMs: 60_000 });
    await headersReceived;
    const connection = await socket;
    const reason = new Error('the caller went away');
    caller.abort(reason);
    await expect(sent).rejects.toBe(reason);
    expect(await closesWithin(connection, CLOSE_WITHIN_MS)).toBe(true);
  });
});
