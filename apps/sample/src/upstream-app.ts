import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HOST } from './config.js';

/** The application behind `/proxy`: what it was asked and which headers it received. */
export interface UpstreamEcho {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** A running upstream app, as the gateway's routes protect `http://app.example.com:8081` (`baseURI`). */
export interface UpstreamApp {
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Starts the small upstream app the sample's proxy route protects, on loopback with an ephemeral port.
 * It trusts whatever arrives, as an app behind a gateway does: it echoes the request, claim headers
 * included, so that a caller sees what the gateway forwarded.
 */
export async function startUpstreamApp(): Promise<UpstreamApp> {
  const server: Server = createServer((request, response) => {
    request.resume();
    const echo: UpstreamEcho = {
      method: request.method ?? 'GET',
      path: request.url ?? '/',
      headers: request.headers,
    };
    response.writeHead(200, { 'content-type': 'application/json', 'x-upstream': 'sample-upstream' });
    response.end(JSON.stringify(echo));
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, HOST, resolve));
  return {
    url: `http://${HOST}:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
