import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { runMetadataRouteConformance } from '@rs/testkit';
import { expect, it } from 'vitest';
import { createLambdaResourceServer, protectedResourceMetadataHandler } from '../src/index.js';
import { httpApiResponse } from './support/http-api-events.js';
import { lambdaContext } from './support/lambda-context.js';
import { restApiEvent, restApiResponse } from './support/rest-api-events.js';

runMetadataRouteConformance('Lambda', async (resourceServer) => {
  const metadata = protectedResourceMetadataHandler(resourceServer);
  const items = createLambdaResourceServer({ resourceServer }).protect(async () => ({
    statusCode: 200,
    body: '[]',
  }));
  return {
    path: metadata.path,
    async get() {
      // What the client receives from a REST API route to the handler, without an authorizer.
      const answer = restApiResponse(await metadata.handler());
      return {
        status: answer.status,
        contentType: answer.headers['content-type'],
        cacheControl: answer.headers['cache-control'],
        body: answer.body ?? '',
      };
    },
    async challenge() {
      const event = restApiEvent({ method: 'GET', target: '/v1/items' });
      const answer = restApiResponse(await items(event, lambdaContext()));
      expect(answer.status).toBe(401);
      return answer.headers['www-authenticate'];
    },
  };
});

it('answers in a shape both API Gateway payload formats pass on unchanged', async () => {
  const resourceServer = createResourceServer({
    resolver: jwtResolver({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
    }),
    protectedResource: {
      resource: 'https://api.example.com',
      authorizationServers: ['https://as.example.com'],
    },
  });
  const result = await protectedResourceMetadataHandler(resourceServer).handler();
  const rest = restApiResponse(result);
  const http = httpApiResponse(result);
  expect(http).toEqual(rest);
  expect(rest.status).toBe(200);
  expect(JSON.parse(rest.body ?? '')).toMatchObject({
    resource: 'https://api.example.com',
    authorization_servers: ['https://as.example.com'],
  });
});
