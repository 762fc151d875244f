import type { TokenCache } from '@rs/core';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';

export const EVICT_PATH = '/admin/evict';

// Far above any token the sample's authorization server issues, far below Fastify's 1 MiB default.
const MAX_TOKEN_CHARS = 4_096;
const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

/**
 * DEMONSTRATION ONLY: `POST /admin/evict` with `token=…` (form) or `{ "token": "…" }` (JSON) makes the
 * `/rs-introspect-cache` cache forget that token, as a deployed API would on a revocation event from its
 * authorization server. It is open (no token needed), so it answers loopback callers only; the token is
 * neither logged nor echoed back.
 */
export function adminRoutes(cache: TokenCache): FastifyPluginAsync {
  return async (scope) => {
    // Fastify parses JSON but not forms; curl's `-d token=…` is the shortest way to call this route.
    scope.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: MAX_TOKEN_CHARS * 2 },
      (_request, body, done) => {
        const tokens = new URLSearchParams(body as string).getAll('token');
        // Missing or repeated: an empty body, which the schema below refuses.
        done(null, tokens.length === 1 ? { token: tokens[0] } : {});
      },
    );
    scope.post<{ Body: { token: string } }>(
      EVICT_PATH,
      {
        onRequest: loopbackOnly,
        schema: {
          body: {
            type: 'object',
            required: ['token'],
            properties: { token: { type: 'string', minLength: 1, maxLength: MAX_TOKEN_CHARS } },
          },
        },
      },
      async (request) => {
        await cache.evict(request.body.token);
        // evict() cannot tell whether the token was cached: it is simply not anymore.
        return { evicted: true, cache: cache.stats() };
      },
    );
  };
}

// The socket's address, never a forwarded one: a proxy header must not open this route to the network.
async function loopbackOnly(request: FastifyRequest, reply: FastifyReply): Promise<void> {
  if (LOOPBACK.test(request.socket.remoteAddress ?? '')) return;
  await reply.code(403).send({ error: 'forbidden', message: `${EVICT_PATH} answers loopback callers only` });
}
