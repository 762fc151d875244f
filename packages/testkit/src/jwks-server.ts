import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A JWK set served over real HTTP on loopback, with the faults a real endpoint shows: an error status,
 * a delay, a hang, a body that trickles, garbage, and no listener at all. Rotation and unusable keys
 * are documents: `setDocument`.
 */
export interface JwksServer {
  /** The JWK set URL. */
  readonly url: string;
  /** Requests received so far (while listening). */
  readonly requests: number;
  /** Replace the served document (a rotation, or a publication of unusable keys). */
  setDocument(document: unknown): void;
  /** Answer every request with this status (and an HTML body) until `recover()`. */
  fail(status: number): void;
  /** Delay every answer by `ms` milliseconds until `recover()`. */
  delay(ms: number): void;
  /** Accept requests and never answer them, until `recover()` (hung requests stay hung until `close()`). */
  hang(): void;
  /** Send the status, headers and half the body at once, the rest after `ms` milliseconds. */
  slowBody(ms: number): void;
  /** Answer 200 `application/json` with bytes that are not JSON. */
  garbage(): void;
  /** Serve the document again (after `fail`, `delay`, `hang`, `slowBody` or `garbage`). */
  recover(): void;
  /** Stop listening: connections are refused until `up()`. Open connections are cut. */
  down(): Promise<void>;
  /** Listen again on the same port. */
  up(): Promise<void>;
  /** Stops the server for good and closes its connections. */
  close(): Promise<void>;
}

type Fault =
  | { readonly kind: 'none' }
  | { readonly kind: 'status'; readonly status: number }
  | { readonly kind: 'hang' }
  | { readonly kind: 'slow-body'; readonly ms: number }
  | { readonly kind: 'garbage' };

/** Starts a JWK set server on 127.0.0.1 with an ephemeral port. */
export async function startJwksServer(document: unknown): Promise<JwksServer> {
  let current = document;
  let fault: Fault = { kind: 'none' };
  let delayMs = 0;
  let requests = 0;
  let listening = false;
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    requests++;
    request.resume();
    const answering = fault;
    if (answering.kind === 'hang') return;
    const answer = () => respond(response, answering, JSON.stringify(current));
    if (delayMs > 0) setTimeout(answer, delayMs).unref();
    else answer();
  });
  server.keepAliveTimeout = 1000;
  const listen = (port: number) =>
    new Promise<void>((resolve) =>
      server.listen(port, '127.0.0.1', () => {
        listening = true;
        resolve();
      }),
    );
  const stop = () =>
    new Promise<void>((resolve) => {
      if (!listening) return resolve();
      listening = false;
      server.closeAllConnections();
      server.close(() => resolve());
    });
  await listen(0);
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
      fault = { kind: 'status', status };
    },
    delay: (ms) => {
      delayMs = ms;
    },
    hang: () => {
      fault = { kind: 'hang' };
    },
    slowBody: (ms) => {
      fault = { kind: 'slow-body', ms };
    },
    garbage: () => {
      fault = { kind: 'garbage' };
    },
    recover: () => {
      fault = { kind: 'none' };
      delayMs = 0;
    },
    down: stop,
    up: () => (listening ? Promise.resolve() : listen(port)),
    close: stop,
  };
}

function respond(response: ServerResponse, fault: Fault, body: string): void {
  if (response.destroyed) return;
  switch (fault.kind) {
    case 'status':
      response.writeHead(fault.status, { 'content-type': 'text/html' }).end('<html>unavailable</html>');
      return;
    case 'garbage':
      response
        .writeHead(200, { 'content-type': 'application/json' })
        .end(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x00, 0x6b, 0x65, 0x79, 0x73, 0x5b, 0x5d]));
      return;
    case 'slow-body': {
      const half = Math.floor(body.length / 2);
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' });
      response.write(body.slice(0, half));
      setTimeout(() => {
        if (!response.destroyed) response.end(body.slice(half));
      }, fault.ms).unref();
      return;
    }
    default:
      response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(body);
  }
}

/** A port on 127.0.0.1 that nothing listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
