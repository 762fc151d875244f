import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { metadataRouteOverHttp, runMetadataRouteConformance } from '@rs/testkit';
import { afterEach, expect, it } from 'vitest';
import { createFetchResourceServer, protectedResourceMetadataHandler } from '../src/index.js';
import { type BridgeServer, serveFetch } from './support/node-bridge.js';

const running: BridgeServer[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((server) => server.close()));
});

/** The README's routing: the metadata path to its handler, every other request through protect(). */
async function serveWithMetadata(resourceServer: Parameters<typeof protectedResourceMetadataHandler>[0]) {
  const metadata = protectedResourceMetadataHandler(resourceServer);
  const rs = createFetchResourceServer({ resourceServer });
  const items = rs.protect(() => Response.json([]));
  const server = await serveFetch(async (request) =>
    new URL(request.url).pathname === metadata.path ? metadata.handler(request) : items(request),
  );
  running.push(server);
  return { metadata, url: server.url };
}

runMetadataRouteConformance('Fetch', async (resourceServer) => {
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
