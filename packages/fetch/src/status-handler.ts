import type { ResourceServerStatus } from '@rs/core';
import { statusResponse } from '@rs/core/adapter';

/**
 * A Fetch handler answering the resource server's `status()`: 200 when ready, 503 when not, JSON.
 * Route to it where operators (and readiness probes) reach it, not clients.
 *
 * @example
 * ```ts
 * const health = statusHandler(resourceServer);
 * // in the router: if (url.pathname === '/health/auth') return health();
 * ```
 */
export function statusHandler(resourceServer: { status(): ResourceServerStatus }): () => Response {
  return () => {
    const { status, headers, body } = statusResponse(resourceServer);
    return new Response(body, { status, headers });
  };
}
