import { runStatusRouteConformance } from '@rs/testkit';
import Fastify from 'fastify';
import { rsFastify, rsStatusHandler } from '../src/index.js';

runStatusRouteConformance('Fastify', async (resourceServer) => {
  const app = Fastify();
  await app.register(rsFastify, { resourceServer });
  // Open to the probe: the plugin protects every other route.
  app.get('/health/auth', { config: { rs: false } }, rsStatusHandler(resourceServer));
  return {
    async call() {
      const response = await app.inject({ url: '/health/auth' });
      return {
        status: response.statusCode,
        contentType: response.headers['content-type'] as string | undefined,
        cacheControl: response.headers['cache-control'] as string | undefined,
        body: response.json(),
      };
    },
    close: () => app.close(),
  };
});
