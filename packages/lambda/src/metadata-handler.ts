import type { ResourceServer } from '@rs/core';
import { protectedResourceMetadataAnswer, protectedResourceMetadataPath } from '@rs/core/adapter';
import type { ALBEvent, APIGatewayProxyEvent, APIGatewayProxyEventV2 } from 'aws-lambda';
import { isAlbEvent } from './request/alb-request.js';
import { mapOf, textField } from './request/event-fields.js';
import { statusDescription, usesMultiValueHeaders } from './response/alb-response.js';

/**
 * The result of the metadata handler: fits both API Gateway payload formats and ALB (which also reads
 * `statusDescription`, and `multiValueHeaders` alone when the target group has them on).
 */
export interface LambdaMetadataResponse {
  /** 200 for GET and HEAD, 405 for any other method. */
  readonly statusCode: number;
  /** The status line an ALB sends (`200 OK`); set only for ALB events. */
  readonly statusDescription?: string;
  /** Response headers by lower-case name (`content-type`, `cache-control`, `allow` on a 405). */
  readonly headers: Readonly<Record<string, string>>;
  /** The same headers as lists, added for an ALB target group with multi-value headers on (which reads only these). */
  readonly multiValueHeaders?: Record<string, string[]>;
  /** The metadata as JSON text; empty for HEAD and 405. */
  readonly body: string;
}

/** The events the metadata handler reads the request method of. */
export type LambdaMetadataEvent = APIGatewayProxyEvent | APIGatewayProxyEventV2 | ALBEvent;

/**
 * A Lambda handler for the RFC 9728 metadata of a resource server built with a `protectedResource`
 * option. Route `path` (`/.well-known/oauth-protected-resource` plus the resource's path, RFC 9728
 * §3.1) to it in API Gateway or an ALB, without an authorizer: GET gets the metadata, HEAD its headers,
 * other methods 405 with `Allow` (for a route or listener rule that takes any method). Throws at cold
 * start when the resource server publishes no metadata.
 *
 * @example
 * ```ts
 * export const metadata = protectedResourceMetadataHandler(rs.resourceServer).handler;
 * ```
 */
export function protectedResourceMetadataHandler(resourceServer: ResourceServer): {
  readonly path: string;
  readonly handler: (event?: LambdaMetadataEvent) => Promise<LambdaMetadataResponse>;
} {
  const path = protectedResourceMetadataPath(resourceServer);
  return {
    path,
    async handler(event) {
      const answer = protectedResourceMetadataAnswer(resourceServer, methodOf(event));
      const response = { statusCode: answer.status, headers: { ...answer.headers }, body: answer.body };
      if (!isAlbEvent(event)) return response;
      const described = { ...response, statusDescription: statusDescription(answer.status) };
      if (!usesMultiValueHeaders(event)) return described;
      const multiValueHeaders: Record<string, string[]> = {};
      for (const [name, value] of Object.entries(answer.headers)) multiValueHeaders[name] = [value];
      return { ...described, multiValueHeaders };
    },
  };
}

/**
 * The request method of an API Gateway (REST `httpMethod`, HTTP API `requestContext.http.method`) or ALB
 * event; GET for a call without an event, as in a test.
 */
function methodOf(event: LambdaMetadataEvent | undefined): string {
  if (event === undefined) return 'GET';
  const fields = mapOf(event);
  return textField(fields.httpMethod) ?? textField(mapOf(mapOf(fields.requestContext).http).method) ?? 'GET';
}
