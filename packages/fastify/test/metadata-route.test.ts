import { runMetadataRouteConformance } from '@rs/testkit';
import Fastify from 'fastify';
import { fastifyResourceServer, protectedResourceMetadataRoute } from '../src/index.js';

runMetadataRouteConformance('Fastify', async (resourceServer) => {
  const route = protectedResourceMetadataRoute(resourceServer);
  const app = Fastify();
  await app.register(fastifyResourceServer, { resourceServer, protect: 'all' });
  app.route(route);
  app.get('/v1/items', async () => []);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as { port: number };
  const url = `http://127.0.0.1:${port}`;
  return {
    path: route.url,
    async get() {
      const response = await fetch(`${url}${route.url}`);
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        cacheControl: response.headers.get('cache-control') ?? undefined,
        body: await response.text(),
      };
    },
    async challenge() {
      const response = await fetch(`${url}/v1/items`);
      return response.status === 401 ? (response.headers.get('www-authenticate') ?? undefined) : undefined;
    },
    close: () => app.close(),
  };
});
