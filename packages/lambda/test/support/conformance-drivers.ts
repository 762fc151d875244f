import type { OAuth2Context } from '@rs/core';
import {
  type ConformanceDriver,
  type ConformanceRequest,
  type ConformanceRoute,
  conformanceEcho,
} from '@rs/testkit';
import type { APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import {
  type ApiGatewayEvent,
  createLambdaResourceServer,
  type LambdaHandler,
  type LambdaResourceServer,
} from '../../src/index.js';
import type { ClientRequest } from './client-request.js';
import { httpApiEvent, httpApiResponse } from './http-api-events.js';
import { lambdaContext } from './lambda-context.js';
import { jsonBody, type LambdaResponse } from './lambda-response.js';
import { restApiEvent, restApiResponse } from './rest-api-events.js';

// Every route answers with the echo of its context; one handler fits both payload formats.
const echo = async (_event: ApiGatewayEvent, _context: unknown, oauth2: OAuth2Context) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(conformanceEcho(oauth2)),
});

/** One Lambda function per route, as API Gateway routes `METHOD /path` to its integration. */
function lambdaDriver<E extends ApiGatewayEvent>(
  protect: (rs: LambdaResourceServer, route: ConformanceRoute) => LambdaHandler<E>,
  invoke: (handler: LambdaHandler<E>, request: ClientRequest) => Promise<LambdaResponse>,
): ConformanceDriver {
  return {
    async start(options, routes) {
      const rs = createLambdaResourceServer(options);
      const functions = new Map(routes.map((route) => [`${route.method} ${route.path}`, protect(rs, route)]));
      return {
        async request(request) {
          const handler = functions.get(`${request.method} ${request.path.split('?', 1)[0]}`);
          if (handler === undefined) throw new Error(`no route for ${request.method} ${request.path}`);
          const response = await invoke(handler, clientRequest(request));
          return { status: response.status, headers: response.headers, body: jsonBody(response) };
        },
        async close() {},
      };
    },
  };
}

function clientRequest(request: ConformanceRequest): ClientRequest {
  if (request.form === undefined)
    return { method: request.method, target: request.path, headers: request.headers ?? {} };
  return {
    method: request.method,
    target: request.path,
    headers: { ...request.headers, 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(request.form).toString(),
  };
}

/** Conformance through REST API proxy events (payload 1.0). */
export const restApiDriver = lambdaDriver<APIGatewayProxyEvent>(
  (rs, route) => rs.protect(echo, route.policy),
  async (handler, request) => restApiResponse(await handler(restApiEvent(request), lambdaContext())),
);

/** Conformance through HTTP API events (payload 2.0). */
export const httpApiDriver = lambdaDriver<APIGatewayProxyEventV2>(
  (rs, route) => rs.protect<APIGatewayProxyEventV2>(echo, route.policy),
  async (handler, request) => httpApiResponse(await handler(httpApiEvent(request), lambdaContext())),
);
