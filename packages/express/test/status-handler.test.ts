import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { runStatusRouteConformance } from '@rs/testkit';
import express from 'express';
import { rsStatusHandler } from '../src/index.js';

runStatusRouteConformance('Express', async (resourceServer) => {
  const app = express();
  app.get('/health/auth', rsStatusHandler(resourceServer));
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/health/auth`;
  return {
    async call() {
      const response = await fetch(url);
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        cacheControl: response.headers.get('cache-control') ?? undefined,
        body: await response.json(),
      };
    },
    async close() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
});
