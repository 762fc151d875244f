import type { ResourceServerStatus } from '@rs/core';
import { statusResponse } from '@rs/core/adapter';

/**
 * A Lambda handler (API Gateway REST or HTTP API) answering the resource server's `status()`: 200 when
 * ready, 503 when not, JSON. Keep its route away from clients (an IAM-authorized or private route).
 *
 * @example
 * ```ts
 * export const health = statusHandler(resourceServer);
 * ```
 */
export function statusHandler(resourceServer: { status(): ResourceServerStatus }) {
  return async (): Promise<{ statusCode: number; headers: Record<string, string>; body: string }> => {
    const { status, headers, body } = statusResponse(resourceServer);
    return { statusCode: status, headers: { ...headers }, body };
  };
}
