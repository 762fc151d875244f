import type { OAuth2Context } from '@rs/core';
import type { RouteRsConfig } from './route-protection.js';

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
     * the server-wide policy alone (useful with `protect: 'opt-in'`); `false` to leave it unprotected;
     * `'optional'` (or a policy with `optional: true`) to make authentication optional: a request without
     * any token reaches the handler with `request.oauth2` `null`, a bad token is still refused.
     */
    rs?: RouteRsConfig;
  }
}
