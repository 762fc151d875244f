import type { ResourceServer } from '@rs/core';
import { protectedResourceMetadataAnswer, protectedResourceMetadataPath } from '@rs/core/adapter';
import type { RouteOptions } from 'fastify';
import { sendAsIs } from './send-as-is.js';

/**
 * The RFC 9728 metadata route of a resource server built with a `protectedResource` option, ready for
 * `app.route(…)`: `GET` (and `HEAD`) on `/.well-known/oauth-protected-resource` plus the resource's path
 * (RFC 9728 §3.1), open (`config.rs: false`) even where the plugin protects every route. Given more
 * methods (`{ ...route, method: ['GET', 'POST'] }`), it answers those other than GET and HEAD with 405 and
 * `Allow`, as the other adapters do. Throws at start-up when the resource server publishes no metadata.
 *
 * @example
 * ```ts
 * const resourceServer = createResourceServer({ resolver, protectedResource: { resource: 'https://api.example.com' } });
 * await app.register(fastifyResourceServer, { resourceServer });
 * app.route(protectedResourceMetadataRoute(resourceServer));
 * ```
 */
export function protectedResourceMetadataRoute(resourceServer: ResourceServer): RouteOptions {
  return {
    method: 'GET',
    url: protectedResourceMetadataPath(resourceServer),
    config: { rs: false },
    handler(request, reply) {
      // HEAD as GET: Fastify's HEAD route drops the body and keeps its Content-Length, which HEAD reports.
      const method = request.method === 'HEAD' ? 'GET' : request.method;
      const answer = protectedResourceMetadataAnswer(resourceServer, method);
      return sendAsIs(reply, answer.status, answer.headers, answer.body);
    },
  };
}
