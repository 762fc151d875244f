import type { AccessPolicy, DefaultClaims, ResourceServer, RsContext } from '@rs/core';
import {
  type AdapterAuthResult,
  type AdapterOptionalAuthResult,
  addResponseHeaders,
  authenticateWithRoutePolicy,
  type FetchAdapterSettings,
  fetchAdapterAuthenticator,
  formReading,
  type ResourceServerSource,
  refuseTrustedProxiesWithoutPeer,
  routePolicyArgument,
  undefinedRoutePolicy,
} from '@rs/core/adapter';
import type { Context, MiddlewareHandler } from 'hono';
import { type HonoRequestBody, requestForCore } from './hono-request-body.js';

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
  readonly publicUrl?: string | undefined;
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
 * The variables the middleware sets: `c.get('oauth2')` is the accepted token's context, its `claims` of
 * your claims type when you give one (a statement about your tokens, not a check). Give it to
 * `new Hono<OAuth2Env>()`, or let Hono infer it from the middleware on the route.
 *
 * @example
 * ```ts
 * const app = new Hono<OAuth2Env<MyClaims>>();
 * app.get('/me', rs.protect(), (c) => c.json({ tenant: c.get('oauth2').claims.tenant }));
 * ```
 */
export interface OAuth2Env<Claims extends object = DefaultClaims> {
  /** The variables `protect()` sets on the Hono context. */
  Variables: {
    /** The request's context, read with `c.get('oauth2')`. */
    oauth2: RsContext<Claims>;
  };
}

/**
 * The variables {@link HonoResourceServer.protectOptional} sets: `c.get('oauth2')` is `undefined` when
 * the request carried no token. Hono infers it on the route; an app typed with {@link OAuth2Env} would
 * claim the context is always there.
 *
 * @example
 * ```ts
 * app.get('/feed', rs.protectOptional(), (c) => c.json({ personal: c.get('oauth2') !== undefined }));
 * ```
 */
export interface OptionalOAuth2Env<Claims extends object = DefaultClaims> {
  /** The variables `protectOptional()` sets on the Hono context. */
  Variables: {
    /** The request's context, read with `c.get('oauth2')`; `undefined` when it carried no token. */
    oauth2: RsContext<Claims> | undefined;
  };
}

/**
 * The decision for one request: the context and headers to add, or the ready `Response` to return.
 *
 * @example
 * ```ts
 * const result = await rs.authenticate(c.req, { scopes: ['read'] });
 * if (!result.ok) return result.response;
 * ```
 */
export type HonoAuthResult<Claims extends object = DefaultClaims> = AdapterAuthResult<
  Response,
  RsContext<Claims>
>;

/**
 * A resource server for Hono apps. Build it once, at start-up, so that key sets stay cached. The type
 * argument of {@link createHonoResourceServer} types the context's `claims`.
 *
 * @example
 * ```ts
 * const rs = createHonoResourceServer({ resolver });
 * app.get('/items', rs.protect({ scopes: ['read'] }), (c) => c.json({ owner: c.get('oauth2').subject }));
 * ```
 */
export interface HonoResourceServer<Claims extends object = DefaultClaims> {
  /**
   * Middleware for a route or a group of routes: a refused request gets core's answer (status,
   * `WWW-Authenticate`, JSON body) and the handlers after it never run; an accepted one sets
   * `c.get('oauth2')`, and the response gets core's headers. The policy is checked now, so a bad one
   * fails at start-up, as does one given as `undefined` (misspelt or not loaded: leave the argument out
   * for a route without a policy of its own).
   */
  protect(...policy: [] | [policy: AccessPolicy]): MiddlewareHandler<OAuth2Env<Claims>>;
  /**
   * As {@link HonoResourceServer.protect}, for a route where authentication is optional: a request
   * without any token goes on with `c.get('oauth2')` undefined; a token, when present, must pass (a bad
   * one is still answered 401, a malformed one 400, a missing scope 403).
   */
  protectOptional(...policy: [] | [policy: AccessPolicy]): MiddlewareHandler<OptionalOAuth2Env<Claims>>;
  /**
   * Decides one request without calling anything, e.g. to answer in your own format. Give it `c.req`:
   * a form body that middleware before read through Hono is then found in Hono's cache. The body stays
   * unread (a form body is read from a clone). A `policy` given as `undefined` rejects with an
   * `RsConfigError`, as `protect` refuses it.
   */
  authenticate(
    request: Request | HonoRequestBody,
    ...policy: [] | [policy: AccessPolicy]
  ): Promise<HonoAuthResult<Claims>>;
  /** The core resource server underneath. */
  readonly resourceServer: ResourceServer;
}

/**
 * Builds a {@link HonoResourceServer}. Options are checked here and a misconfiguration throws an
 * `RsConfigError`, at start-up rather than on the first request. A type argument types the context's
 * `claims` with your claims type: a statement about what your authorization server issues, not a check.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core';
 * import { createHonoResourceServer } from '@rs/hono';
 *
 * const rs = createHonoResourceServer<{ tenant: string }>({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * app.use('/api/*', rs.protect({ scopes: ['read'] }));
 * ```
 */
export function createHonoResourceServer<Claims extends object = DefaultClaims>(
  options: HonoResourceServerOptions,
): HonoResourceServer<Claims>;
// Last, so that `ReturnType<typeof createHonoResourceServer>` is the server with the default claims type.
export function createHonoResourceServer(options: HonoResourceServerOptions): HonoResourceServer;
export function createHonoResourceServer<Claims extends object = DefaultClaims>(
  options: HonoResourceServerOptions,
): HonoResourceServer<Claims> {
  refuseTrustedProxiesWithoutPeer({ options }, '@rs/hono', 'the Fetch Request Hono hands over');
  const authenticator = fetchAdapterAuthenticator(options);
  const { resourceServer, forRoute, forOptionalRoute } = authenticator;
  // A prebuilt `resourceServer` holds the list where no option shows it.
  refuseTrustedProxiesWithoutPeer({ resourceServer }, '@rs/hono', 'the Fetch Request Hono hands over');
  // Already checked by the authenticator; kept to find form bodies that middleware before ours read.
  const reading = formReading(resourceServer, options.maxFormBodyBytes);

  /**
   * The middleware around one route's decision. Both kinds share it; the claims type is the
   * application's statement about its tokens, so nothing at run time differs.
   */
  function middleware(
    decide: (request: Request) => Promise<AdapterOptionalAuthResult<Response>>,
  ): MiddlewareHandler<OptionalOAuth2Env> {
    return async (c, next) => {
      const result = await decide(await requestForCore(c.req, reading));
      if (!result.ok) return rejectionOverEarlierHeaders(c, result.response);
      if (result.context !== undefined) c.set('oauth2', result.context);
      await next();
      const response = addResponseHeaders(c.res, result.headers);
      if (response !== c.res) {
        // A copy (addResponseHeaders leaves the handler's Response as it was). Hono's setter would copy the
        // old headers over the new ones, turning `no-store, private` back into `no-store`: clear it first.
        c.res = undefined;
        c.res = response;
      }
    };
  }

  /**
   * Sends the rejection with core's headers on top. Hono's `c.res` setter copies every header that
   * middleware before this one put on `c.res` over the response a middleware returns: wanted for CORS's
   * (`cors()` writes them there, and a browser must read the 401), wrong for core's own. A
   * `Cache-Control: public, max-age=60` set for the whole app would replace `no-store` and let a shared
   * cache serve the 401 to other clients, a `WWW-Authenticate` of another scheme would replace the
   * challenge; Express and Fastify, whose rejection headers replace earlier ones of the same name, send
   * core's. So the rejection is set first, earlier headers merged in, and core's put back over them.
   */
  function rejectionOverEarlierHeaders(c: Context, rejection: Response): Response {
    c.res = rejection;
    const sent = c.res;
    if (sent !== rejection) for (const [name, value] of rejection.headers) sent.headers.set(name, value);
    return sent;
  }

  return {
    resourceServer,
    // A method, not an arrow: it counts its arguments (a rest parameter would be an array per request).
    async authenticate(request: Request | HonoRequestBody, policy?: AccessPolicy) {
      // biome-ignore lint/complexity/noArguments: tells a policy given as undefined from one left out.
      if (arguments.length > 1 && policy === undefined) {
        throw undefinedRoutePolicy('authenticate(request, policy)');
      }
      const input = await requestForCore(request, reading);
      return (await authenticateWithRoutePolicy(authenticator, input, policy)) as HonoAuthResult<Claims>;
    },
    protect(...given: [policy?: AccessPolicy]) {
      const policy = routePolicyArgument(given, 'protect.policy');
      const authenticateRoute = forRoute(policy, 'protect.policy');
      return middleware(authenticateRoute) as MiddlewareHandler<OAuth2Env<Claims>>;
    },
    protectOptional(...given: [policy?: AccessPolicy]) {
      const policy = routePolicyArgument(given, 'protectOptional.policy');
      const authenticateRoute = forOptionalRoute(policy, 'protectOptional.policy');
      return middleware(authenticateRoute) as MiddlewareHandler<OptionalOAuth2Env<Claims>>;
    },
  };
}
