import type { ResourceServerStatus } from '@rs/core';
import { statusResponse } from '@rs/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';

/**
 * A route handler answering the resource server's `status()`: 200 when ready, 503 when not, JSON.
 * Mount it where operators (and readiness probes) reach it, not clients.
 *
 * @example
 * ```ts
 * const resourceServer = createResourceServer({ resolver });
 * await app.register(fastifyResourceServer, { resourceServer });
 * app.get('/health/auth', rsStatusHandler(resourceServer));
 * ```
 */
export function rsStatusHandler(resourceServer: { status(): ResourceServerStatus }) {
  return async (_request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> => {
    const { status, headers, body } = statusResponse(resourceServer);
    return reply.code(status).headers(headers).send(body);
  };
}
