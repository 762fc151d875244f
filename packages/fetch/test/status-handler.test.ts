import { runStatusRouteConformance } from '@rs/testkit';
import { statusHandler } from '../src/index.js';

runStatusRouteConformance('Fetch', async (resourceServer) => {
  const health = statusHandler(resourceServer);
  return {
    async call() {
      const response = health();
      return {
        status: response.status,
        contentType: response.headers.get('content-type') ?? undefined,
        cacheControl: response.headers.get('cache-control') ?? undefined,
        body: await response.json(),
      };
    },
  };
});
