import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { HttpClientError } from '../../src/index.js';
import { type ClosableHttpClient, undiciHttpClient } from '../../src/node/index.js';

/**
 * A request that gives up (its own timeout) while its connection is still being opened leaves the attempt
 * to undici, which runs it to its connect timeout (10 s). Against a server that never completes the TLS
 * handshake, that attempt must not keep the process alive after the request has ended: a script, a test
 * run or a function that is done would otherwise wait 10 s to exit.
 */

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

/**
 * Accepts connections and never writes a byte (no TLS handshake). Its own sockets do not keep the
 * process alive, so that only the client's count in {@link heldSockets}.
 */
async function handshakeThatNeverCompletes(): Promise<string> {
  const server = createServer((socket) => {
    sockets.push(socket);
    socket.unref();
    socket.on('error', () => {});
    // Reads (and drops) the client's hello, so that the socket sees the client close it.
    socket.resume();
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`;
}

/** TCP sockets that keep the event loop alive. */
function heldSockets(): number {
  return process.getActiveResourcesInfo().filter((kind) => kind === 'TCPSocketWrap').length;
}

describe('undiciHttpClient connection attempts', () => {
  it('does not hold the process for a TLS handshake that outlives the request that started it', async () => {
    const url = await handshakeThatNeverCompletes();
    const client = undiciHttpClient();
    clients.push(client);
    const before = heldSockets();
    const failure = await client
      .send({ method: 'GET', url, timeoutMs: 200, maxResponseBytes: 1024 })
      .catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(HttpClientError);
    expect((failure as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    // The attempt is still under way (undici ends it at 10 s), but no longer holds the process.
    expect(sockets).toHaveLength(1);
    expect(heldSockets()).toBe(before);
  });

  it('still answers over a connection it opened while unheld, and lets it go when idle', async () => {
    const server = createServer((socket) => {
      sockets.push(socket);
      socket.unref();
      socket.on('error', () => {});
      socket.once('data', () => {
        socket.write(
          'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 11\r\n\r\n{"keys":[]}',
        );
      });
    });
    servers.push(server);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const client = undiciHttpClient();
    clients.push(client);
    const before = heldSockets();
    const response = await client.send({
      method: 'GET',
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
      timeoutMs: 5_000,
      maxResponseBytes: 1024,
    });
    expect(response.status).toBe(200);
    expect(new TextDecoder().decode(response.body)).toBe('{"keys":[]}');
    // Kept for the next request, as undici keeps idle connections, without holding the process: undici
    // lets it go once it sees the connection idle, just after the answer.
    expect(sockets).toHaveLength(1);
    await vi.waitFor(() => expect(heldSockets()).toBe(before));
  });

  it('abandons an attempt once no request waits for it, and on close', async () => {
    const url = await handshakeThatNeverCompletes();
    // Closed by the test itself (afterEach would close it a second time).
    const client = undiciHttpClient();
    const send = (timeoutMs: number) =>
      client.send({ method: 'GET', url, timeoutMs, maxResponseBytes: 1024 }).catch((error: unknown) => error);
    // A TCP connect the server never answers holds the event loop whatever the socket says, for the whole
    // connect timeout (10 s): the attempt itself must end, not only stop being held.
    expect(await send(200)).toBeInstanceOf(HttpClientError);
    expect(sockets).toHaveLength(1);
    // Seen closed by the server well before undici's own 10 s connect timeout would end the attempt.
    await vi.waitFor(() => expect(sockets[0]!.closed).toBe(true), { timeout: 5_000 });

    // While a request is still under way, the attempt is its: kept until the client is closed.
    const waiting = send(60_000);
    await vi.waitFor(() => expect(sockets).toHaveLength(2));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(sockets[1]!.closed).toBe(false);
    await client.close();
    expect(await waiting).toBeInstanceOf(Error);
    await vi.waitFor(() => expect(sockets[1]!.closed).toBe(true), { timeout: 5_000 });
  });
});
