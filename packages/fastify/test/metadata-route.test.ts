import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import {
  METADATA_CONFORMANCE_PROTECTED_PATH,
  metadataRouteOverHttp,
  runMetadataRouteConformance,
} from '@rs/testkit';
import Fastify from 'fastify';
import { expect, it } from 'vitest';
import { fastifyResourceServer, protectedResourceMetadataRoute } from '../src/index.js';

runMetadataRouteConformance('Fastify', async (resourceServer) => {
  const route = protectedResourceMetadataRoute(resourceServer);
  const app = Fastify();
  await app.register(fastifyResourceServer, { resourceServer, protect: 'all' });
  app.route(route);
  app.get(METADATA_CONFORMANCE_PROTECTED_PATH, async () => []);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return { ...metadataRouteOverHttp(url, route.url), close: () => app.close() };
});

it('answers methods other than GET and HEAD with 405 and Allow when the route takes them, HEAD with the length of GET', async () => {
  const resourceServer = createResourceServer({
    resolver: jwtResolver({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
    }),
    protectedResource: { resource: 'https://api.example.com' },
  });
  const route = protectedResourceMetadataRoute(resourceServer);
  const app = Fastify();
  await app.register(fastifyResourceServer, { resourceServer });
  app.route({ ...route, method: ['GET', 'POST', 'DELETE'] });
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  try {
    const document = `${url}${route.url}`;
    for (const method of ['POST', 'DELETE']) {
      const refused = await fetch(document, { method });
      expect(refused.status).toBe(405);
      expect(refused.headers.get('allow')).toBe('GET, HEAD');
      expect(await refused.text()).toBe('');
    }
    const got = await fetch(document);
    const head = await fetch(document, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(got.headers.get('content-length'));
  } finally {
    await app.close();
  }
});
