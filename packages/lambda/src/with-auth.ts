import type { APIGatewayProxyEvent } from 'aws-lambda';
import type { ApiGatewayEvent } from './api-gateway-event.js';
import type { LambdaHandler, ProtectedHandler } from './handlers.js';
import { createLambdaResourceServer, type LambdaResourceServerOptions } from './lambda-resource-server.js';

/**
 * Protects a single-handler function in one call: `options.policy` is what every request must satisfy.
 * The resource server is built once, when the module loads, so key sets stay cached across invocations.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core';
 * import { type ProtectedHandler, withAuth } from '@rs/lambda';
 *
 * const getItems: ProtectedHandler = async (event) => ({ statusCode: 200, body: event.path });
 * export const handler = withAuth(getItems, {
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 *   policy: { scopes: ['read'] },
 * });
 * ```
 */
export function withAuth<E extends ApiGatewayEvent = APIGatewayProxyEvent>(
  handler: ProtectedHandler<E>,
  options: LambdaResourceServerOptions,
): LambdaHandler<E> {
  return createLambdaResourceServer(options).protect(handler);
}
