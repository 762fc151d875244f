import type { ResourceServerSource } from '@rs/core/adapter';

/**
 * Which routes the plugin protects: `'all'` unless a route says `rs: false`, or `'opt-in'` only those
 * whose config has `rs`.
 *
 * @example
 * ```ts
 * await app.register(fastifyResourceServer, { resolver, protect: 'opt-in' });
 * app.get('/items', { config: { rs: true } }, handler);
 * ```
 */
export type RouteProtectionMode = 'all' | 'opt-in';

/**
 * The Fastify hook in which protected routes authenticate.
 *
 * @example
 * ```ts
 * await app.register(fastifyResourceServer, { resourceServer, hook: 'preValidation' });
 * ```
 */
export type AuthenticationHook = 'onRequest' | 'preValidation';

/**
 * What the plugin adds to the resource server: how it fits into Fastify.
 *
 * @example
 * ```ts
 * await app.register(fastifyResourceServer, { resolver, protect: 'all', publicUrl: 'https://api.example.com' });
 * ```
 */
export interface RsFastifySettings {
  /**
   * `'all'` (default): every route declared after the plugin loaded (in its context and the plugins
   * registered after it) is protected unless its config says `rs: false`. `'opt-in'`: only routes whose
   * config has `rs` (a policy, or `true`) are protected.
   */
  readonly protect?: RouteProtectionMode | undefined;
  /**
   * The URL of this server's root as clients see it, e.g. `https://api.example.com`, when a proxy does not
   * forward the scheme and host (or Fastify's `trustProxy` is off). The request path and query are
   * appended to it. Default: `request.protocol` and `request.host`, which follow `trustProxy`.
   */
  readonly publicUrl?: string | undefined;
  /**
   * Where protected routes authenticate. `'onRequest'` answers before the body is read; form-body tokens
   * need the parsed body, so `'preValidation'` is the default when the resource server reads form
   * bodies (`tokenLocations.formBody`).
   */
  readonly hook?: AuthenticationHook | undefined;
}

/**
 * Options of {@link fastifyResourceServer}: the resource server's own options (or a prebuilt `resourceServer`), plus
 * the plugin's {@link RsFastifySettings}.
 *
 * @example
 * ```ts
 * const options: RsFastifyOptions = { resolver: jwtResolver({ issuer, keys }), realm: 'api', protect: 'opt-in' };
 * await app.register(fastifyResourceServer, options);
 * ```
 */
export type RsFastifyOptions = RsFastifySettings & ResourceServerSource;
