// Compiled by `typecheck`, never run: the event type a handler names picks the result type it must return.

import type { AccessTokenResolver } from '@rs/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyHandler, APIGatewayProxyHandlerV2 } from 'aws-lambda';
import { type LambdaResourceServer, withAuth } from '../src/index.js';

declare const rs: LambdaResourceServer;
declare const resolver: AccessTokenResolver;

export const restApi: APIGatewayProxyHandler = rs.protect(async (event, _context, oauth2) => ({
  statusCode: 200,
  body: `${event.path} ${oauth2.subject}`,
}));
export const httpApi: APIGatewayProxyHandlerV2 = rs.protect(
  async (event: APIGatewayProxyEventV2, _context, oauth2) => ({
    body: `${event.rawPath} ${oauth2.subject}`,
  }),
);
export const httpApiByTypeArgument = rs.protect<APIGatewayProxyEventV2>(async (event) => ({
  body: event.rawPath,
}));
export const single = withAuth(async (event) => ({ statusCode: 200, body: event.path }), { resolver });

// @ts-expect-error a REST API result needs a statusCode and a body
export const missingStatus = rs.protect(async () => ({ body: 'x' }));
// @ts-expect-error rawPath exists only on payload 2.0 events
export const wrongEvent = rs.protect(async (event) => ({ statusCode: 200, body: event.rawPath }));
