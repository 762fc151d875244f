import { createServer, type RequestListener, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { AddressInfo } from 'node:net';

/** A running test server. */
export interface Served {
  /** The base URL, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  close(): Promise<void>;
}

const running = new Set<Served>();

/**
 * Starts the app on real HTTP at 127.0.0.1 on a free port. Headers may reach 64 KiB: the conformance suite
 * sends a 20 KB token, which Node's default limit would answer with 431 before the app runs. With `tls`,
 * it serves HTTPS and asks for a client certificate without judging its chain (RFC 8705 §3).
 */
export async function serve(app: RequestListener, tls?: { key: string; cert: string }): Promise<Served> {
  const server =
    tls === undefined
      ? createServer({ maxHeaderSize: 64 * 1024 }, app)
      : createTlsServer(
          { maxHeaderSize: 64 * 1024, ...tls, requestCert: true, rejectUnauthorized: false },
          app,
        );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const served: Served = {
    url: `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => {
      running.delete(served);
      return closeServer(server);
    },
  };
  running.add(served);
  return served;
}

/** Closes every server still running; call it in `afterEach`. */
export async function closeAll(): Promise<void> {
  await Promise.all([...running].map((served) => served.close()));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    // fetch keeps connections alive, and close() alone waits for them.
    server.closeAllConnections();
  });
}
