import type { ResourceServerStatus } from '@rs/core';
import { statusResponse } from '@rs/core/adapter';
import type { Context } from 'hono';

/**
 * A Hono handler answering the resource server's `status()`: 200 when ready, 503 when not, JSON, never
 * cached. Mount it where operators (and readiness probes) reach it, not clients: it names the
 * authorization server's endpoints and how they fail.
 *
 * @example
 * ```ts
 * const resourceServer = createResourceServer({ resolver });
 * const rs = createHonoResourceServer({ resourceServer });
 * app.get('/health/auth', statusHandler(resourceServer));
 * ```
 */
export function statusHandler(resourceServer: { status(): ResourceServerStatus }): (c: Context) => Response {
  return (c) => {
    const { status, headers, body } = statusResponse(resourceServer);
    return c.body(body, status, { ...headers });
  };
}
