import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { runAdapterConformance, sendHttp } from '@rs/testkit';
import { conformanceApp } from './support/conformance-app.js';

// The Hono app served by @hono/node-server on loopback, with requests sent by a real client. The same
// app runs under Bun in packages/runtime-tests.
runAdapterConformance('hono (@hono/node-server)', {
  async start(options, routes) {
    const app = conformanceApp(options, routes);
    const server = await new Promise<ReturnType<typeof serve>>((resolve) => {
      // The suite sends a 20 000-character token in a header; Node's default limit is 16 KiB.
      const started = serve(
        { fetch: app.fetch, hostname: '127.0.0.1', port: 0, serverOptions: { maxHeaderSize: 64 * 1024 } },
        () => resolve(started),
      );
    });
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return {
      request: (request) => sendHttp(base, request),
      url: (path) => `${options.publicUrl ?? base}${path}`,
      close: () =>
        new Promise<void>((resolve, reject) => {
          server.close((error) => (error ? reject(error) : resolve()));
          // Idle keep-alive connections would hold close() open (Node drops them itself; Deno does not).
          if ('closeAllConnections' in server) server.closeAllConnections();
        }),
    };
  },
});
