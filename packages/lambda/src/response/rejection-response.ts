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
  /** The rejection's HTTP status (401, 403, 400, 503, …). */
  readonly statusCode: number;
  /** Response headers by lower-case name: `www-authenticate`, `cache-control: no-store`, and any others core set. */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON error body, as text. */
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
