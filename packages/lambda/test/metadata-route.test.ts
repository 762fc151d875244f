import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import { runMetadataRouteConformance } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { createLambdaResourceServer, protectedResourceMetadataHandler } from '../src/index.js';
import { albEvent } from './fixtures/alb-event.js';
import { httpApiEvent, httpApiResponse } from './support/http-api-events.js';
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

describe('methods other than GET, for a route or listener rule that takes any method', () => {
  const resourceServer = createResourceServer({
    resolver: jwtResolver({
      issuer: 'https://as.example.com',
      audience: 'https://api.example.com',
      keys: remoteJwks({ url: 'https://as.example.com/jwks' }),
    }),
    protectedResource: { resource: 'https://api.example.com' },
  });
  const { handler, path } = protectedResourceMetadataHandler(resourceServer);

  it.each([
    ['a REST API', (method: string) => restApiEvent({ method, target: path })],
    ['an HTTP API', (method: string) => httpApiEvent({ method, target: path })],
    ['an ALB', (method: string) => ({ ...albEvent(), httpMethod: method, path })],
  ])('answers POST with 405 and Allow, HEAD without a body (%s)', async (_, eventOf) => {
    const refused = await handler(eventOf('POST'));
    expect(refused).toMatchObject({ statusCode: 405, headers: { allow: 'GET, HEAD' }, body: '' });
    const head = await handler(eventOf('HEAD'));
    expect(head).toMatchObject({ statusCode: 200, body: '' });
    expect(head.headers['content-type']).toBe('application/json');
    const get = await handler(eventOf('GET'));
    expect(JSON.parse(get.body)).toMatchObject({ resource: 'https://api.example.com' });
  });

  it('gives an ALB its status description, and multi-value headers when the target group has them on', async () => {
    expect(await handler(albEvent())).toMatchObject({ statusCode: 200, statusDescription: '200 OK' });
    const multi = await handler({ ...albEvent({ multiValue: true }), httpMethod: 'DELETE' });
    expect(multi).toMatchObject({
      statusCode: 405,
      statusDescription: '405 Method Not Allowed',
      multiValueHeaders: { allow: ['GET, HEAD'] },
    });
  });
});
