import type { ResourceServerStatus } from '@rs/core';
import { statusResponse } from '@rs/core/adapter';
import type { Request, Response } from 'express';

/**
 * An Express handler answering the resource server's `status()`: 200 when ready, 503 when not, JSON.
 * Mount it where operators (and readiness probes) reach it, not clients.
 *
 * @example
 * ```ts
 * const resourceServer = createResourceServer({ resolver });
 * const { protect } = createExpressResourceServer({ resourceServer });
 * app.get('/health/auth', rsStatusHandler(resourceServer));
 * ```
 */
export function rsStatusHandler(resourceServer: { status(): ResourceServerStatus }) {
  return (_request: Request, response: Response): void => {
    const { status, headers, body } = statusResponse(resourceServer);
    response.status(status).set(headers).send(body);
  };
}
