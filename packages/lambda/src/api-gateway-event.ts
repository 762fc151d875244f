import type {
  APIGatewayProxyEvent,
  APIGatewayProxyEventBase,
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  APIGatewayProxyStructuredResultV2,
} from 'aws-lambda';

/**
 * A REST API proxy event (payload format 1.0, also sent by HTTP APIs configured for 1.0), whatever its
 * authorizer context.
 *
 * @example
 * ```ts
 * import type { RestApiEvent } from '@rs/lambda';
 * const stageOf = (event: RestApiEvent) => event.requestContext.stage;
 * ```
 */
export type RestApiEvent = APIGatewayProxyEventBase<unknown>;

/**
 * An HTTP API event in payload format 2.0; Lambda function URLs send the same shape.
 *
 * @example
 * ```ts
 * import type { HttpApiEvent } from '@rs/lambda';
 * const routeOf = (event: HttpApiEvent) => event.routeKey;
 * ```
 */
export type HttpApiEvent = APIGatewayProxyEventV2;

/**
 * Any API Gateway proxy event this adapter understands.
 *
 * @example
 * ```ts
 * import type { ApiGatewayEvent } from '@rs/lambda';
 * const isHttpApi = (event: ApiGatewayEvent) => 'version' in event && event.version === '2.0';
 * ```
 */
export type ApiGatewayEvent = RestApiEvent | HttpApiEvent;

/**
 * The result a handler returns for event type `E`: `APIGatewayProxyStructuredResultV2` for payload 2.0,
 * `APIGatewayProxyResult` otherwise.
 *
 * @example
 * ```ts
 * import type { APIGatewayProxyEventV2 } from 'aws-lambda';
 * import type { ApiGatewayResult } from '@rs/lambda';
 * const notFound: ApiGatewayResult<APIGatewayProxyEventV2> = { statusCode: 404 };
 * ```
 */
export type ApiGatewayResult<E extends ApiGatewayEvent = APIGatewayProxyEvent> = E extends HttpApiEvent
  ? APIGatewayProxyStructuredResultV2
  : APIGatewayProxyResult;

/** Payload format 2.0 says so in `version`; 1.0 events have no `version` or `"1.0"`. */
export function isHttpApiEvent(event: ApiGatewayEvent): event is HttpApiEvent {
  return 'version' in event && event.version === '2.0';
}
