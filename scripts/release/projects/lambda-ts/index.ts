// A Lambda handler in strict TypeScript (ESM), fed API Gateway REST API (payload 1.0) and HTTP API
// (payload 2.0) events shaped like AWS's documented samples, the way the Lambda runtime calls it.
import assert from 'node:assert/strict';
import { jwtResolver, remoteJwks } from '@rs/core';
import { createLambdaResourceServer } from '@rs/lambda';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { httpApiSampleEvent } from './fixtures/http-api-event.js';
import { restApiSampleEvent } from './fixtures/rest-api-event.js';

const env = (name: string): string => {
  const value = process.env[name];
  if (value === undefined) throw new Error(`${name} is not set`);
  return value;
};

const rs = createLambdaResourceServer({
  resolver: jwtResolver({
    issuer: env('RS_ISSUER'),
    audience: env('RS_AUDIENCE'),
    keys: remoteJwks({ url: env('RS_JWKS_URL') }),
    profile: 'rfc9068',
  }),
  realm: 'api',
});

export const restHandler = rs.protect(
  async (event, context, oauth2) => ({
    statusCode: 200,
    body: JSON.stringify({ path: event.path, owner: oauth2.subject, requestId: context.awsRequestId }),
  }),
  { scopes: ['read'] },
);
export const httpHandler = rs.protect<APIGatewayProxyEventV2>(
  async (event, _context, oauth2) => ({
    statusCode: 200,
    body: JSON.stringify({ path: event.rawPath, owner: oauth2.subject }),
  }),
  { scopes: ['read'] },
);

const context = {
  awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
  functionName: 'items',
  getRemainingTimeInMillis: () => 3000,
} as Context;
const bearer = `Bearer ${env('RS_TOKEN')}`;

const restWithToken: APIGatewayProxyEvent = {
  ...restApiSampleEvent,
  headers: { ...restApiSampleEvent.headers, Authorization: bearer },
  multiValueHeaders: { ...restApiSampleEvent.multiValueHeaders, Authorization: [bearer] },
};
const restAccepted = await restHandler(restWithToken, context);
assert.equal(restAccepted?.statusCode, 200);
assert.equal(JSON.parse(restAccepted?.body ?? '{}').owner, 'alice');
const restRefused = await restHandler(restApiSampleEvent, context);
assert.equal(restRefused?.statusCode, 401);

const httpWithToken: APIGatewayProxyEventV2 = {
  ...httpApiSampleEvent,
  headers: { ...httpApiSampleEvent.headers, authorization: bearer },
};
const httpAccepted = await httpHandler(httpWithToken, context);
assert.equal(typeof httpAccepted === 'object' && httpAccepted.statusCode, 200);
const httpRefused = await httpHandler(httpApiSampleEvent, context);
assert.equal(typeof httpRefused === 'object' && httpRefused.statusCode, 401);
console.log('lambda (REST API v1 and HTTP API v2 events): 200 with a token, 401 without');
