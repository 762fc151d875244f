import { createResourceServer, jwtResolver, type ResourceServer, remoteJwks } from '@rs/core';
import { metadataRouteOverHttp, runMetadataRouteConformance } from '@rs/testkit';
import { Hono } from 'hono';
import { afterEach, expect, it } from 'vitest';
import { createHonoResourceServer, protectedResourceMetadataHandler } from '../src/index.js';
import { type LoopbackApp, serveOnLoopback } from './support/loopback.js';

const running: LoopbackApp[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((app) => app.close()));
});

/** The README's routing: the metadata path to its handler, beside a protected group of routes. */
async function serveWithMetadata(resourceServer: ResourceServer) {
  const metadata = protectedResourceMetadataHandler(resourceServer);
  const rs = createHonoResourceServer({ resourceServer });
  const app = new Hono();
  app.all(metadata.path, metadata.handler);
  app.use('/v1/*', rs.protect());
  app.get('/v1/items', (c) => c.json([]));
  const served = await serveOnLoopback(app);
  running.push(served);
  return { metadata, url: served.url('') };
}

runMetadataRouteConformance('Hono (@hono/node-server)', async (resourceServer) => {
  const { metadata, url } = await serveWithMetadata(resourceServer);
  return metadataRouteOverHttp(url, metadata.path);
});

it('answers HEAD with the headers and no body, and other methods with 405 and Allow', async () => {
  const resourceServer = createResourceServer({
    resolver: jwtResolver({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
    }),
    requireHttps: false,
    protectedResource: { resource: 'https://api.example.com' },
  });
  const { url } = await serveWithMetadata(resourceServer);
  const metadataUrl = `${url}/.well-known/oauth-protected-resource`;
  const head = await fetch(metadataUrl, { method: 'HEAD' });
  expect(head.status).toBe(200);
  expect(head.headers.get('content-type')).toBe('application/json');
  expect(await head.text()).toBe('');
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const refused = await fetch(metadataUrl, { method, body: method === 'DELETE' ? undefined : '{}' });
    expect(refused.status).toBe(405);
    expect(refused.headers.get('allow')).toBe('GET, HEAD');
  }
});
