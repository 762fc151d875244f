import type { AccessPolicy, DefaultClaims, ResourceServer, RsContext } from '@rs/core';
import {
  type AdapterAuthenticator,
  type AdapterAuthResult,
  addResponseHeaders,
  checkRouteHandler,
  type FetchAdapterSettings,
  fetchAdapterAuthenticator,
  type ResourceServerSource,
  refuseTrustedProxiesWithoutPeer,
  routePolicyArgument,
} from '@rs/core/adapter';

/**
 * What the Fetch adapter adds to the resource server: what a Fetch handler cannot know on its own.
 *
 * @example
 * ```ts
 * import type { FetchResourceServerSettings } from '@rs/fetch';
 * const settings: FetchResourceServerSettings = { publicUrl: 'https://api.example.com', maxFormBodyBytes: 16 * 1024 };
 * ```
 */
export interface FetchResourceServerSettings extends FetchAdapterSettings {
  /**
   * The public base URL (scheme, host, optional path prefix) when a proxy in front changes what
   * `request.url` shows, e.g. TLS ending at a load balancer: the request's path and query are appended
   * to it. Default: `request.url` as is.
   */
  readonly publicUrl?: string | undefined;
}

/**
 * Options of {@link createFetchResourceServer}: core's resource-server options (or a prebuilt
 * `resourceServer` from `createResourceServer`), plus the adapter's {@link FetchResourceServerSettings}.
 *
 * @example
 * ```ts
 * import type { FetchResourceServerOptions } from '@rs/fetch';
 * const options: FetchResourceServerOptions = {
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 *   publicUrl: 'https://api.example.com',
 * };
 * ```
 */
export type FetchResourceServerOptions = FetchResourceServerSettings & ResourceServerSource;

/**
 * The decision for one request: the context and headers to add, or the ready `Response` to return.
 *
 * @example
 * ```ts
 * const result = await rs.authenticate(request, { scopes: ['read'] });
 * if (!result.ok) return result.response;
 * return Response.json({ subject: result.context.subject }, { headers: result.headers });
 * ```
 */
export type FetchAuthResult = AdapterAuthResult<Response>;

/**
 * A Fetch handler that runs only for accepted requests and receives their OAuth2 context. Arguments
 * after the request (Workers' `env` and `ctx`, Deno's `info`, Bun's `server`) follow the context.
 * `Answer` is `Response` unless the handler may answer `undefined`, as Bun's does after
 * `server.upgrade(request)` took the request over as a WebSocket: `protect` then passes `undefined` on and
 * its own type says so (Bun's `fetch` accepts it; Workers and Deno want a `Response` and refuse the type).
 *
 * @example
 * ```ts
 * import type { ProtectedFetchHandler } from '@rs/fetch';
 * const listItems: ProtectedFetchHandler = (request, oauth2) => Response.json({ owner: oauth2.subject });
 * ```
 */
export type ProtectedFetchHandler<
  Args extends unknown[] = [],
  Claims extends object = DefaultClaims,
  Answer extends Response | undefined = Response,
> = (request: Request, oauth2: RsContext<Claims>, ...args: Args) => Answer | Promise<Answer>;

/**
 * A Fetch handler on a route where authentication is optional: `oauth2` is `undefined` when the request
 * carried no token. `Answer` as for {@link ProtectedFetchHandler}.
 *
 * @example
 * ```ts
 * import type { OptionallyProtectedFetchHandler } from '@rs/fetch';
 * const greet: OptionallyProtectedFetchHandler = (request, oauth2) =>
 *   new Response(oauth2 === undefined ? 'hello, stranger' : `hello ${oauth2.subject}`);
 * ```
 */
export type OptionallyProtectedFetchHandler<
  Args extends unknown[] = [],
  Claims extends object = DefaultClaims,
  Answer extends Response | undefined = Response,
> = (request: Request, oauth2: RsContext<Claims> | undefined, ...args: Args) => Answer | Promise<Answer>;

/**
 * A resource server for Fetch API handlers. Build it once, at start-up, so that key sets stay cached.
 *
 * @example
 * ```ts
 * const rs = createFetchResourceServer({ resolver });
 * export default { fetch: rs.protect((request, oauth2) => Response.json({ subject: oauth2.subject })) };
 * ```
 */
export interface FetchResourceServer<Claims extends object = DefaultClaims> {
  /**
   * Decides one request. For handlers that need the decision themselves, e.g. to route first;
   * {@link FetchResourceServer.protect} covers the common case. The request body stays unread. A
   * `policy` given as `undefined` (misspelt or not loaded) rejects with an `RsConfigError`: leave the
   * argument out for a request without a policy of its own.
   */
  authenticate(
    request: Request,
    ...policy: [] | [policy: AccessPolicy]
  ): Promise<AdapterAuthResult<Response, RsContext<Claims>>>;
  /**
   * Wraps a handler: refused requests get core's answer and never reach it; accepted ones get the
   * context, and its response gets core's headers. The policy is checked now, so a bad one fails at
   * start-up, as does one given as `undefined`. A handler's `undefined` (Bun after `server.upgrade`) is
   * passed on as it is.
   */
  protect<Args extends unknown[] = [], Answer extends Response | undefined = Response>(
    handler: ProtectedFetchHandler<Args, Claims, Answer>,
    ...policy: [] | [policy: AccessPolicy]
  ): (request: Request, ...args: Args) => Promise<Answer>;
  /**
   * As {@link FetchResourceServer.protect}, for a route where authentication is optional: a request
   * without any token reaches the handler with `oauth2` undefined; a token, when present, must pass (a
   * bad one is still answered 401).
   */
  protectOptional<Args extends unknown[] = [], Answer extends Response | undefined = Response>(
    handler: OptionallyProtectedFetchHandler<Args, Claims, Answer>,
    ...policy: [] | [policy: AccessPolicy]
  ): (request: Request, ...args: Args) => Promise<Answer>;
  /** The core resource server underneath. */
  readonly resourceServer: ResourceServer;
}

/**
 * Builds a {@link FetchResourceServer}. Options are checked here and a misconfiguration throws an
 * `RsConfigError`, at start-up rather than on the first request.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core';
 * import { createFetchResourceServer } from '@rs/fetch';
 *
 * const rs = createFetchResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * const handler = rs.protect((request, oauth2) => Response.json(oauth2.subject), { scopes: ['read'] });
 * ```
 */
export function createFetchResourceServer<Claims extends object = DefaultClaims>(
  options: FetchResourceServerOptions,
): FetchResourceServer<Claims>;
// Last, so that `ReturnType<typeof createFetchResourceServer>` is the server with the default claims type.
export function createFetchResourceServer(options: FetchResourceServerOptions): FetchResourceServer;
export function createFetchResourceServer<Claims extends object = DefaultClaims>(
  options: FetchResourceServerOptions,
): FetchResourceServer<Claims> {
  // fetchResourceServerOver checks the server too, however it was given.
  refuseTrustedProxiesWithoutPeer({ options }, '@rs/fetch', 'a Fetch Request');
  return fetchResourceServerOver(fetchAdapterAuthenticator(options));
}

/**
 * The {@link FetchResourceServer} over an authenticator: `@rs/fetch`'s (`@rs/core`'s resource server) or
 * `@rs/fetch/lite`'s (`@rs/core/lite`'s). Both entries wrap handlers with this code.
 */
export function fetchResourceServerOver<Claims extends object = DefaultClaims>(
  authenticator: AdapterAuthenticator<Request, Response>,
): FetchResourceServer<Claims> {
  const { resourceServer, authenticate, forRoute, forOptionalRoute } = authenticator;
  // A prebuilt `resourceServer` holds the list where no option shows it.
  refuseTrustedProxiesWithoutPeer({ resourceServer }, '@rs/fetch', 'a Fetch Request');
  // The claims type is the application's statement about its tokens; nothing at run time differs.
  type Context = RsContext<Claims>;
  return {
    resourceServer,
    authenticate: authenticate as FetchResourceServer<Claims>['authenticate'],
    protect<Args extends unknown[], Answer extends Response | undefined>(
      handler: ProtectedFetchHandler<Args, Claims, Answer>,
      ...given: [policy?: AccessPolicy]
    ) {
      checkRouteHandler(handler, 'protect(handler)');
      const policy = routePolicyArgument(given, 'protect.policy');
      const authenticateRoute = forRoute(policy, 'protect.policy');
      return async (request: Request, ...args: Args): Promise<Answer> => {
        const result = await authenticateRoute(request);
        if (!result.ok) return result.response as Answer;
        return withHeaders(await handler(request, result.context as Context, ...args), result.headers);
      };
    },
    protectOptional<Args extends unknown[], Answer extends Response | undefined>(
      handler: OptionallyProtectedFetchHandler<Args, Claims, Answer>,
      ...given: [policy?: AccessPolicy]
    ) {
      checkRouteHandler(handler, 'protectOptional(handler)');
      const policy = routePolicyArgument(given, 'protectOptional.policy');
      const authenticateRoute = forOptionalRoute(policy, 'protectOptional.policy');
      return async (request: Request, ...args: Args): Promise<Answer> => {
        const result = await authenticateRoute(request);
        if (!result.ok) return result.response as Answer;
        const context = result.context as Context | undefined;
        return withHeaders(await handler(request, context, ...args), result.headers);
      };
    },
  };
}

/**
 * Core's headers on the handler's answer. `undefined` (Bun after `server.upgrade(request)`: the connection
 * is a WebSocket now, and Bun sends the switch itself) has no header to take and is passed on.
 */
function withHeaders<Answer extends Response | undefined>(
  answer: Answer,
  headers: Readonly<Record<string, string>>,
): Answer {
  return answer === undefined ? answer : (addResponseHeaders(answer, headers) as Answer);
}
