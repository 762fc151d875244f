import type { Rejection } from '@rs/core';
import { rejectionBodyText } from '@rs/core/adapter';

/**
 * The result sent for a refused request. It is both an `APIGatewayProxyResult` and an
 * `APIGatewayProxyStructuredResultV2`, so it answers either payload format.
 *
 * @example
 * ```ts
 * import type { LambdaRejectionResponse } from '@rs/lambda';
 * const response: LambdaRejectionResponse = {
 *   statusCode: 401,
 *   headers: { 'www-authenticate': 'Bearer', 'cache-control': 'no-store' },
 *   body: '{"error_description":"No access token in the request","code":"token_missing"}',
 * };
 * ```
 */
export interface LambdaRejectionResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Copies core's rejection unchanged: status, headers, JSON body. */
export function rejectionResponse(rejection: Rejection): LambdaRejectionResponse {
  return {
    statusCode: rejection.status,
    headers: { ...rejection.headers },
    body: rejectionBodyText(rejection),
  };
}
