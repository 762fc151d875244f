import { MAX_PUSHED_SET_BYTES, RsConfigError, receivePushedSet, type SecurityEventReceiver } from '@rs/core';
import {
  checkOptions,
  nonEmptyString,
  type OptionSchema,
  requireSecurityEventReceiver,
} from '@rs/core/adapter';
import type { FastifyPluginAsync } from 'fastify';

/** Options of {@link securityEventRoute}. */
export interface SecurityEventRouteOptions {
  /** Where the transmitter pushes SETs. Default `/ssf/events`. */
  readonly path?: string | undefined;
}

const SECURITY_EVENT_ROUTE_OPTIONS: OptionSchema<SecurityEventRouteOptions> = { path: nonEmptyString };

/**
 * The push-delivery endpoint of a Security Event Token receiver (RFC 8935) as a Fastify plugin: `POST`
 * of `application/secevent+jwt`, answered 202, or 400 with the RFC's `{ "err", "description" }`. The
 * body is read as text within 64 KiB, whatever its type, so that every refusal has the RFC's shape;
 * `@rs/core`'s `receivePushedSet` decides; when a handler or the revocation sink fails, the error is
 * logged and the answer is 500 without a body. Protect the route as the transmitter requires (a bearer
 * token, mutual TLS): the SET's signature proves its origin, not that the caller may push.
 *
 * @example
 * ```ts
 * import Fastify from 'fastify';
 * import { memoryReplayStore, remoteJwks, revocationList, securityEventReceiver } from '@rs/core';
 * import { securityEventRoute } from '@rs/fastify';
 *
 * const revocations = revocationList();
 * const receiver = securityEventReceiver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/ssf/jwks' }),
 *   replayStore: memoryReplayStore(),
 *   revocations,
 * });
 * const app = Fastify();
 * await app.register(securityEventRoute(receiver, { path: '/ssf/events' }));
 * ```
 */
export function securityEventRoute(
  receiver: SecurityEventReceiver,
  options: SecurityEventRouteOptions = {},
): FastifyPluginAsync {
  requireSecurityEventReceiver(receiver, 'securityEventRoute.receiver');
  checkOptions(options, SECURITY_EVENT_ROUTE_OPTIONS, 'securityEventRoute');
  const path = options.path ?? '/ssf/events';
  if (!path.startsWith('/')) throw new RsConfigError('securityEventRoute.path', 'must begin with "/"');
  return async (scope) => {
    scope.addContentTypeParser(
      '*',
      { parseAs: 'string', bodyLimit: MAX_PUSHED_SET_BYTES },
      (_request, body, done) => done(null, body),
    );
    scope.removeContentTypeParser('application/json');
    scope.addContentTypeParser(
      'application/json',
      { parseAs: 'string', bodyLimit: MAX_PUSHED_SET_BYTES },
      (_request, body, done) => done(null, body),
    );
    scope.setErrorHandler(async (error: { code?: string | undefined }, request, reply) => {
      if (error.code !== 'FST_ERR_CTP_BODY_TOO_LARGE') {
        // A handler or revocation sink of the application failed: logged here, answered 500 without a
        // body (the transmitter sends the SET again, and the receiver acts on it then). Fastify's own
        // error answer would show the transmitter the application's error message.
        request.log.error({ err: error }, 'acting on a pushed security event failed');
        return reply.code(500).header('cache-control', 'no-store').send();
      }
      const answer = await receivePushedSet(receiver, {
        method: 'POST',
        contentType: 'application/secevent+jwt',
        body: undefined,
      });
      return reply.code(answer.status).headers(answer.headers).send(answer.body);
    });
    scope.post(path, async (request, reply) => {
      const answer = await receivePushedSet(receiver, {
        method: request.method,
        contentType: request.headers['content-type'],
        body: typeof request.body === 'string' ? request.body : '',
      });
      return reply
        .code(answer.status)
        .headers(answer.headers)
        .send(answer.body === '' ? undefined : answer.body);
    });
  };
}
