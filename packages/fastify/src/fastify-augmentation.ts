import type { AccessPolicy, OAuth2Context } from '@rs/core';

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * The accepted token's context. Set on every route @rs/fastify protects before any handler or later
     * hook runs; `null` on routes it does not protect (`rs: false`, or not opted in).
     */
    oauth2: OAuth2Context | null;
  }

  interface FastifyContextConfig {
    /**
     * This route's access policy, applied on top of the server-wide one; `true` to protect the route with
     * the server-wide policy alone (useful with `protect: 'opt-in'`); `false` to leave it unprotected.
     */
    rs?: AccessPolicy | boolean;
  }
}
