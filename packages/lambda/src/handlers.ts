import type { DefaultClaims, RsContext } from '@rs/core';
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, Context } from 'aws-lambda';
import type { ApiGatewayEvent, ApiGatewayResult } from './api-gateway-event.js';

/**
 * A Lambda handler that runs only for accepted requests and receives their OAuth2 context.
 *
 * @example
 * ```ts
 * import type { ProtectedHandler } from '@rs/lambda';
 * const getItems: ProtectedHandler = async (event, context, oauth2) => ({
 *   statusCode: 200,
 *   body: JSON.stringify({ subject: oauth2.subject, requestId: context.awsRequestId }),
 * });
 * ```
 */
export type ProtectedHandler<
  E extends ApiGatewayEvent = APIGatewayProxyEvent,
  Claims extends object = DefaultClaims,
> = (
  event: E,
  context: Context,
  oauth2: RsContext<Claims>,
) => ApiGatewayResult<E> | Promise<ApiGatewayResult<E>>;

/**
 * A Lambda handler on a route where authentication is optional: `oauth2` is `undefined` when the
 * request carried no token.
 *
 * @example
 * ```ts
 * import type { OptionallyProtectedHandler } from '@rs/lambda';
 * const greet: OptionallyProtectedHandler = async (event, context, oauth2) => ({
 *   statusCode: 200,
 *   body: oauth2 === undefined ? 'hello, stranger' : `hello ${oauth2.subject}`,
 * });
 * ```
 */
export type OptionallyProtectedHandler<
  E extends ApiGatewayEvent = APIGatewayProxyEvent,
  Claims extends object = DefaultClaims,
> = (
  event: E,
  context: Context,
  oauth2: RsContext<Claims> | undefined,
) => ApiGatewayResult<E> | Promise<ApiGatewayResult<E>>;

/**
 * A Lambda handler behind an Application Load Balancer that runs only for accepted requests.
 *
 * @example
 * ```ts
 * import type { ProtectedAlbHandler } from '@rs/lambda';
 * const getItems: ProtectedAlbHandler = async (event, context, oauth2) => ({
 *   statusCode: 200,
 *   statusDescription: '200 OK',
 *   body: JSON.stringify({ subject: oauth2.subject }),
 * });
 * ```
 */
export type ProtectedAlbHandler<Claims extends object = DefaultClaims> = (
  event: ALBEvent,
  context: Context,
  oauth2: RsContext<Claims>,
) => ALBResult | Promise<ALBResult>;

/**
 * A Lambda handler behind an Application Load Balancer on a route where authentication is optional:
 * `oauth2` is `undefined` when the request carried no token.
 *
 * @example
 * ```ts
 * import type { OptionallyProtectedAlbHandler } from '@rs/lambda';
 * const greet: OptionallyProtectedAlbHandler = async (event, context, oauth2) => ({
 *   statusCode: 200,
 *   statusDescription: '200 OK',
 *   body: oauth2 === undefined ? 'hello, stranger' : `hello ${oauth2.subject}`,
 * });
 * ```
 */
export type OptionallyProtectedAlbHandler<Claims extends object = DefaultClaims> = (
  event: ALBEvent,
  context: Context,
  oauth2: RsContext<Claims> | undefined,
) => ALBResult | Promise<ALBResult>;

/**
 * What {@link LambdaResourceServer.protect} returns: export it as the function's handler.
 *
 * @example
 * ```ts
 * import type { LambdaHandler } from '@rs/lambda';
 * export const handler: LambdaHandler = rs.protect(getItems, { scopes: ['read'] });
 * ```
 */
export type LambdaHandler<E extends ApiGatewayEvent = APIGatewayProxyEvent> = (
  event: E,
  context: Context,
) => Promise<ApiGatewayResult<E>>;
