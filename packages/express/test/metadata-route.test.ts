import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { runMetadataRouteConformance } from '@rs/testkit';
import express from 'express';
import { afterEach, expect, it } from 'vitest';
import { createExpressResourceServer, protectedResourceMetadataRoute } from '../src/index.js';

const running: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((close) => close()));
});

async function listen(app: express.Express): Promise<string> {
  const server = app.listen(0, '127.0.0.1');
  await once(server, 'listening');
  running.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

runMetadataRouteConformance('Express', async (resourceServer) => {
  const metadata = protectedResourceMetadataRoute(resourceServer);
  const { protect } = createExpressResourceServer({ resourceServer });
  const app = express();
  // At the root, outside protect(), as the README says.
  app.get(metadata.path, metadata.handler);
  app.get('/v1/items', protect(), (_req, res) => res.json([]));
  const url = await listen(app);
  return {
    path: metadata.path,
    async get() {
      const response = await fetch(`${url}${metadata.path}`);
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        cacheControl: response.headers.get('cache-control') ?? undefined,
        body: await response.text(),
      };
    },
    async challenge() {
      const response = await fetch(`${url}/v1/items`);
      expect(response.status).toBe(401);
      return response.headers.get('www-authenticate') ?? undefined;
    },
  };
});

it('answers HEAD on the metadata path with the headers and no body', async () => {
  const resourceServer = createResourceServer({
    resolver: jwtResolver({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
    }),
    protectedResource: { resource: 'https://api.example.com' },
  });
  const metadata = protectedResourceMetadataRoute(resourceServer);
  const app = express();
  app.get(metadata.path, metadata.handler);
  const url = await listen(app);
  const response = await fetch(`${url}/.well-known/oauth-protected-resource`, { method: 'HEAD' });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe('application/json');
  expect(await response.text()).toBe('');
});
