import type { OAuth2Context } from '@rs/core';
import {
  type ConformanceDriver,
  type ConformanceRequest,
  type ConformanceRoute,
  conformanceBody,
  conformanceEcho,
} from '@rs/testkit';
import type {
  APIGatewayEventClientCertificate,
  APIGatewayProxyEvent,
  APIGatewayProxyEventV2,
} from 'aws-lambda';
import {
  type ApiGatewayEvent,
  type ApiGatewayResult,
  createLambdaResourceServer,
  type LambdaHandler,
  type LambdaResourceServer,
} from '../../src/index.js';
import { httpApiRequest } from '../../src/request/http-api-request.js';
import { restApiRequest } from '../../src/request/rest-api-request.js';
import type { ClientRequest } from './client-request.js';
import { httpApiEvent, httpApiResponse } from './http-api-events.js';
import { lambdaContext } from './lambda-context.js';
import { jsonOrText, type LambdaResponse } from './lambda-response.js';
import { restApiEvent, restApiResponse } from './rest-api-events.js';

// Every route answers with the echo of its context; one handler fits both payload formats.
const echo = async (_event: ApiGatewayEvent, _context: unknown, oauth2: OAuth2Context | undefined) => ({
  statusCode: 200,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(conformanceEcho(oauth2)),
});

/** How one payload format is driven: its handler type, its events, and the URL it reports to core. */
interface PayloadFormat<E extends ApiGatewayEvent> {
  protect(rs: LambdaResourceServer, route: ConformanceRoute): LambdaHandler<E>;
  event(request: ClientRequest, clientCertificate: APIGatewayEventClientCertificate | undefined): E;
  respond(result: ApiGatewayResult<E>): LambdaResponse;
  url(event: E): string;
}

/**
 * One Lambda function per route, as API Gateway routes `METHOD /path` to its integration. A client
 * certificate arrives as API Gateway's mutual TLS puts it in the event; the peer address is the
 * sample events' `sourceIp`.
 */
function lambdaDriver<E extends ApiGatewayEvent>(format: PayloadFormat<E>): ConformanceDriver {
  return {
    connectionCertificates: true,
    peerAddress: '192.0.2.1',
    optionalAuthentication: true,
    async start(options, routes) {
      const rs = createLambdaResourceServer(options);
      const functions = new Map(
        routes.map((route) => [`${route.method} ${route.path}`, format.protect(rs, route)]),
      );
      return {
        async request(request) {
          const handler = functions.get(`${request.method} ${request.path.split('?', 1)[0]}`);
          if (handler === undefined) throw new Error(`no route for ${request.method} ${request.path}`);
          const certificate =
            request.clientCertificate && mutualTlsCertificate(request.clientCertificate.pem);
          const result = await handler(format.event(clientRequest(request), certificate), lambdaContext());
          const response = format.respond(result);
          return { status: response.status, headers: response.headers, body: jsonOrText(response) };
        },
        url(path) {
          const reported = format.url(format.event({ method: 'GET', target: path }, undefined));
          if (options.publicUrl === undefined) return reported;
          // The adapter keeps the event's path and replaces scheme and host with publicUrl.
          const { pathname, search } = new URL(reported);
          return `${options.publicUrl}${pathname}${search}`;
        },
        async close() {},
      };
    },
  };
}

function clientRequest(request: ConformanceRequest): ClientRequest {
  const sent = conformanceBody(request);
  if (sent === undefined)
    return { method: request.method, target: request.path, headers: request.headers ?? {} };
  const headers = { ...request.headers, ...sent.headers };
  // API Gateway hands a body that is not text (a compressed one) over base64-encoded.
  if (typeof sent.body !== 'string')
    return { method: request.method, target: request.path, headers, body: base64(sent.body), base64: true };
  return { method: request.method, target: request.path, headers, body: sent.body };
}

function base64(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64');
}

/** What API Gateway adds to the event when the custom domain has mutual TLS on. */
function mutualTlsCertificate(pem: string): APIGatewayEventClientCertificate {
  return {
    clientCertPem: pem,
    serialNumber: '01',
    subjectDN: 'CN=client.example.com',
    issuerDN: 'CN=rs test CA',
    validity: { notBefore: 'May 28 12:30:02 2019 GMT', notAfter: 'Aug  5 09:36:04 2021 GMT' },
  };
}

const noForm = { enabled: false, maxBytes: 0 };

/** Conformance through REST API proxy events (payload 1.0): the certificate in `identity.clientCert`. */
export const restApiDriver = lambdaDriver<APIGatewayProxyEvent>({
  protect: (rs, route) =>
    route.optional ? rs.protectOptional(echo, route.policy) : rs.protect(echo, route.policy),
  event(request, certificate) {
    const event = restApiEvent(request);
    event.requestContext.identity.clientCert = certificate ?? null;
    return event;
  },
  respond: (result) => restApiResponse(result),
  url: (event) => restApiRequest(event, noForm, undefined).url,
});

/** Conformance through HTTP API events (payload 2.0): the certificate in `authentication.clientCert`. */
export const httpApiDriver = lambdaDriver<APIGatewayProxyEventV2>({
  protect: (rs, route) =>
    route.optional
      ? rs.protectOptional<APIGatewayProxyEventV2>(echo, route.policy)
      : rs.protect<APIGatewayProxyEventV2>(echo, route.policy),
  event(request, certificate) {
    const event = httpApiEvent(request);
    if (certificate !== undefined) event.requestContext.authentication = { clientCert: certificate };
    return event;
  },
  respond: (result) => httpApiResponse(result),
  url: (event) => httpApiRequest(event, noForm, undefined).url,
});
