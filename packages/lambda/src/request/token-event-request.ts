import type { RsRequest } from '@rs/core';
import type { APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import { eventHeaders } from './event-headers.js';
import type { ExecuteApiArn } from './method-arn.js';
import { publicPath } from './public-path.js';

/**
 * Translates a REST API `TOKEN` authorizer event, which carries no request: only the token source's value
 * and the method ARN (parsed by the caller, which refuses an event without one). The method and the path
 * come from the ARN, `/{stage}/{resource path}` as on the `execute-api` host; the origin is `publicBase`
 * (the checked `publicUrl`), else that host, `https://{apiId}.execute-api.{region}.amazonaws.com`, which
 * the ARN names. `publicBase` is not optional, so that no caller can forget it. The token source must be
 * the `Authorization` header, so `authorizationToken` is `Bearer <token>`.
 */
export function tokenEventRequest(
  event: APIGatewayTokenAuthorizerEvent,
  arn: ExecuteApiArn,
  publicBase: string | undefined,
): RsRequest {
  const origin = publicBase ?? `https://${arn.apiId}.execute-api.${arn.region}.amazonaws.com`;
  return {
    method: arn.method,
    url: `${origin}/${arn.stage}/${publicPath(arn.path)}`,
    // Read as the proxy events' headers are: without the spaces and tabs around the value.
    headers: eventHeaders({ authorization: event.authorizationToken }),
  };
}
