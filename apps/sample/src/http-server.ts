import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * How long a stopping server lets requests in progress finish before it drops the connections still open.
 * Without a bound, one connection that never completes a request (a browser's speculative preconnect, a
 * half-sent request) holds Ctrl+C until its client goes away.
 */
export const CLOSE_GRACE_MS = 2_000;

/** Listens on `port` (0: a free one); the connections it accepts can be dropped by {@link closeServer}. */
export function listen(server: Server, port: number, host: string): Promise<void> {
  trackConnections(server);
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/**
 * Stops accepting connections and drops idle keep-alive ones, which would otherwise hold `close` open; the
 * others are dropped after `graceMs`. A server that never listened (its port was in use) is already closed.
 */
export function closeServer(server: Server, graceMs = CLOSE_GRACE_MS): Promise<void> {
  if (!server.listening) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const drop = dropConnectionsAfter(server, graceMs);
    server.close((error) => {
      clearTimeout(drop);
      if (error) reject(error);
      else resolve();
    });
    server.closeIdleConnections();
  });
}

/**
 * The same bound for a Fastify app: `app.close()` drops idle connections at once and, from `graceMs` on,
 * every connection still open.
 */
export function boundClose(app: FastifyInstance, graceMs = CLOSE_GRACE_MS): void {
  trackConnections(app.server);
  app.addHook('preClose', (done) => {
    const drop = dropConnectionsAfter(app.server, graceMs);
    app.server.once('close', () => clearTimeout(drop));
    done();
  });
}

function dropConnectionsAfter(server: Server, graceMs: number): NodeJS.Timeout {
  const timer = setTimeout(() => {
    for (const socket of openSockets.get(server) ?? []) socket.destroy();
  }, graceMs);
  // Never the reason the process stays up.
  timer.unref();
  return timer;
}

// Every socket a server accepted, from the TCP connection on. The server's own `closeAllConnections()`
// knows only connections that reached HTTP: an https server's list misses a socket that has not finished
// its TLS handshake (or sent nothing at all), and such a socket holds `close` for minutes.
const openSockets = new WeakMap<Server, Set<Socket>>();

function trackConnections(server: Server): void {
  if (openSockets.has(server)) return;
  const sockets = new Set<Socket>();
  openSockets.set(server, sockets);
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
}

/**
 * The origin of a listener. Through `URL`, so that a scheme's default port (80, 443) is left out: the API's
 * URL is its identifier (audience, resource indicator, RFC 9728 `resource`), and `@rs/core` takes
 * identifiers in normal form only.
 */
export function urlOf(host: string, port: number, scheme: 'http' | 'https' = 'http'): string {
  return new URL(`${scheme}://${host.includes(':') ? `[${host}]` : host}:${port}`).origin;
}
