import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A JWK set served over real HTTP on loopback, with controls for failure tests. */
export interface JwksServer {
  /** The JWK set URL. */
  readonly url: string;
  /** Requests received so far. */
  readonly requests: number;
  /** Replace the served document. */
  setDocument(document: unknown): void;
  /** Answer every request with this status (and an HTML body) until `recover()`. */
  fail(status: number): void;
  /** Delay every answer by `ms` milliseconds until `recover()`. */
  delay(ms: number): void;
  recover(): void;
  close(): Promise<void>;
}

/** Starts a JWK set server on 127.0.0.1 with an ephemeral port. */
export async function startJwksServer(document: unknown): Promise<JwksServer> {
  let current = document;
  let failStatus: number | undefined;
  let delayMs = 0;
  let requests = 0;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests++;
    const answer = () => {
      if (failStatus !== undefined) {
        response.writeHead(failStatus, { 'content-type': 'text/html' }).end('<html>unavailable</html>');
        return;
      }
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(current));
    };
    request.resume();
    if (delayMs > 0) setTimeout(answer, delayMs).unref();
    else answer();
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/jwks.json`,
    get requests() {
      return requests;
    },
    setDocument: (next) => {
      current = next;
    },
    fail: (status) => {
      failStatus = status;
    },
    delay: (ms) => {
      delayMs = ms;
    },
    recover: () => {
      failStatus = undefined;
      delayMs = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
