import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';

/** A Hono app served by `@hono/node-server` on a loopback port, for requests sent over real HTTP. */
export interface LoopbackApp {
  /** `http://127.0.0.1:<port>` followed by `path`. */
  url(path: string): string;
  close(): Promise<void>;
}

/**
 * Serves `app` on `127.0.0.1` at a free port. Close it when done: idle keep-alive connections are cut
 * so that closing does not wait for them.
 */
export async function serveOnLoopback(app: {
  fetch(request: Request): Response | Promise<Response>;
}): Promise<LoopbackApp> {
  const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
    const started = serve({ fetch: (request) => app.fetch(request), hostname: '127.0.0.1', port: 0 }, () =>
      resolve(started),
    );
  });
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (path) => `${base}${path}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        if ('closeAllConnections' in server) server.closeAllConnections();
      }),
  };
}
