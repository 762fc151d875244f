import { runStatusRouteConformance } from '@rs/testkit';
import { statusHandler } from '../src/index.js';

runStatusRouteConformance('Lambda', async (resourceServer) => {
  const health = statusHandler(resourceServer);
  return {
    async call() {
      const { statusCode, headers, body } = await health();
      return {
        status: statusCode,
        contentType: headers['content-type'],
        cacheControl: headers['cache-control'],
        body: JSON.parse(body),
      };
    },
  };
});
