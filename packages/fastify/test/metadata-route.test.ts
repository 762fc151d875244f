import {
  METADATA_CONFORMANCE_PROTECTED_PATH,
  metadataRouteOverHttp,
  runMetadataRouteConformance,
} from '@rs/testkit';
import Fastify from 'fastify';
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
