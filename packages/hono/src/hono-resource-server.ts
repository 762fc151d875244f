import type { AccessPolicy, OAuth2Context, ResourceServer } from '@rs/core';
import {
  type AdapterAuthResult,
  addResponseHeaders,
  type FetchAdapterSettings,
  fetchAdapterAuthenticator,
  type ResourceServerSource,
  routePolicyArgument,
} from '@rs/core/adapter';
import type { MiddlewareHandler } from 'hono';

/**
 * What the Hono middleware adds to the resource server: what a Hono app cannot know on its own.
 *
 * @example
 * ```ts
 * import type { HonoResourceServerSettings } from '@rs/hono';
 * const settings: HonoResourceServerSettings = { publicUrl: 'https://api.example.com' };
 * ```
 */
export interface HonoResourceServerSettings extends FetchAdapterSettings {
  /**
   * The public base URL (scheme, host, optional path prefix) when a proxy in front changes what
   * `c.req.url` shows, e.g. TLS ending at a load balancer: the request's path and query are appended to
   * it. Required with DPoP. Default: `c.req.url` as is.
   */
  readonly publicUrl?: string;
}

/**
 * Options of {@link createHonoResourceServer}: core's resource-server options (or a prebuilt
 * `resourceServer` from `createResourceServer`), plus the middleware's {@link HonoResourceServerSettings}.
 *
 * @example
 * ```ts
 * const options: HonoResourceServerOptions = { resolver: jwtResolver({ issuer, audience, keys }), realm: 'api' };
 * ```
 */
export type HonoResourceServerOptions = HonoResourceServerSettings & ResourceServerSource;

/**
 * The variables the middleware sets: `c.get('oauth2')` is the accepted token's context. Give it to
 * `new Hono<OAuth2Env>()`, or let Hono infer it from the middleware on the route.
 *
 * @example
 * ```ts
 * const app = new Hono<OAuth2Env>();
 * app.get('/me', rs.protect(), (c) => c.json({ subject: c.get('oauth2').subject }));
 * ```
 */
export interface OAuth2Env {
  Variables: { oauth2: OAuth2Context };
}

/**
 * The decision for one request: the context and headers to add, or the ready `Response` to return.
 *
 * @example
 * ```ts
 * const result = await rs.authenticate(c.req.raw, { scopes: ['read'] });
 * if (!result.ok) return result.response;
 * ```
 */
export type HonoAuthResult = AdapterAuthResult<Response>;

/**
 * A resource server for Hono apps. Build it once, at start-up, so that key sets stay cached.
 *
 * @example
 * ```ts
 * const rs = createHonoResourceServer({ resolver });
 * app.get('/items', rs.protect({ scopes: ['read'] }), (c) => c.json({ owner: c.get('oauth2').subject }));
 * ```
 */
export interface HonoResourceServer {
  /**
   * Middleware for a route or a group of routes: a refused request gets core's answer (status,
   * `WWW-Authenticate`, JSON body) and the handlers after it never run; an accepted one sets
   * `c.get('oauth2')`, and the response gets core's headers. The policy is checked now, so a bad one
   * fails at start-up.
   */
  protect(policy?: AccessPolicy): MiddlewareHandler<OAuth2Env>;
  /**
   * Decides one request without calling anything, e.g. to answer in your own format. The request body
   * stays unread (a form body is read from a clone).
   */
  authenticate(request: Request, policy?: AccessPolicy): Promise<HonoAuthResult>;
  /** The core resource server underneath. */
  readonly resourceServer: ResourceServer;
}

/**
 * Builds a {@link HonoResourceServer}. Options are checked here and a misconfiguration throws an
 * `RsConfigError`, at start-up rather than on the first request.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core';
 * import { createHonoResourceServer } from '@rs/hono';
 *
 * const rs = createHonoResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * app.use('/api/*', rs.protect({ scopes: ['read'] }));
 * ```
 */
export function createHonoResourceServer(options: HonoResourceServerOptions): HonoResourceServer {
  const { resourceServer, authenticate, forRoute } = fetchAdapterAuthenticator(options);
  return {
    resourceServer,
    authenticate,
    protect(...given: [policy?: AccessPolicy]): MiddlewareHandler<OAuth2Env> {
      const policy = routePolicyArgument(given, 'protect.policy');
      const authenticateRoute = forRoute(policy, 'protect.policy');
      return async (c, next) => {
        const result = await authenticateRoute(c.req.raw);
        if (!result.ok) return result.response;
        c.set('oauth2', result.context);
        await next();
        const response = addResponseHeaders(c.res, result.headers);
        if (response !== c.res) {
          // A copy (the handler's headers were immutable). Hono's setter would copy the old headers over
          // the new ones, turning `no-store, private` back into `no-store`: clear it first.
          c.res = undefined;
          c.res = response;
        }
      };
    },
  };
}
