/**
 * STAND-IN FOR `@rs/fastify`: the smallest Fastify binding of `@rs/core`, written while the real adapter is
 * being built. Swap `protect(rs, …)` for the `@rs/fastify` plugin and delete this file; routes only rely on
 * `request.oauth2`.
 */
import type { AccessPolicy, OAuth2Context, ResourceServer, RsRequest } from '@rs/core';
import type { FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

declare module 'fastify' {
  interface FastifyRequest {
    /** Set once the access token has been accepted. */
    oauth2?: OAuth2Context;
  }
}

/** An `onRequest` hook that lets the request through only with a valid token meeting `policy`. */
export function protect(rs: ResourceServer, policy?: AccessPolicy): onRequestHookHandler {
  rs.checkPolicy(policy, 'protect');
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const result = await rs.authenticate(toRsRequest(request), policy);
    if (!result.ok) {
      const r = result.rejection;
      return reply.code(r.status).headers(r.headers).send(r.body);
    }
    reply.headers(result.headers);
    request.oauth2 = result.context;
  };
}

function toRsRequest(request: FastifyRequest): RsRequest {
  return {
    method: request.method,
    // `host` keeps the port in Fastify 5; behind a proxy, trustProxy must be set for protocol and host.
    url: `${request.protocol}://${request.host}${request.url}`,
    headers: request.headers,
  };
}
