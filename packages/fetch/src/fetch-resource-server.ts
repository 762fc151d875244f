import type { AccessPolicy, OAuth2Context, ResourceServer } from '@rs/core';
import {
  type AdapterAuthResult,
  addResponseHeaders,
  type FetchAdapterSettings,
  fetchAdapterAuthenticator,
  type ResourceServerSource,
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
  readonly publicUrl?: string;
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
 *
 * @example
 * ```ts
 * import type { ProtectedFetchHandler } from '@rs/fetch';
 * const listItems: ProtectedFetchHandler = (request, oauth2) => Response.json({ owner: oauth2.subject });
 * ```
 */
export type ProtectedFetchHandler<Args extends unknown[] = []> = (
  request: Request,
  oauth2: OAuth2Context,
  ...args: Args
) => Response | Promise<Response>;

/**
 * A resource server for Fetch API handlers. Build it once, at start-up, so that key sets stay cached.
 *
 * @example
 * ```ts
 * const rs = createFetchResourceServer({ resolver });
 * export default { fetch: rs.protect((request, oauth2) => Response.json({ subject: oauth2.subject })) };
 * ```
 */
export interface FetchResourceServer {
  /**
   * Decides one request. For handlers that need the decision themselves, e.g. to route first;
   * {@link FetchResourceServer.protect} covers the common case. The request body stays unread.
   */
  authenticate(request: Request, policy?: AccessPolicy): Promise<FetchAuthResult>;
  /**
   * Wraps a handler: refused requests get core's answer and never reach it; accepted ones get the
   * context, and its response gets core's headers. The policy is checked now, so a bad one fails at
   * start-up.
   */
  protect<Args extends unknown[] = []>(
    handler: ProtectedFetchHandler<Args>,
    policy?: AccessPolicy,
  ): (request: Request, ...args: Args) => Promise<Response>;
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
export function createFetchResourceServer(options: FetchResourceServerOptions): FetchResourceServer {
  const { resourceServer, authenticate, forRoute } = fetchAdapterAuthenticator(options);
  return {
    resourceServer,
    authenticate,
    protect<Args extends unknown[]>(handler: ProtectedFetchHandler<Args>, policy?: AccessPolicy) {
      const authenticateRoute = forRoute(policy, 'protect.policy');
      return async (request: Request, ...args: Args): Promise<Response> => {
        const result = await authenticateRoute(request);
        if (!result.ok) return result.response;
        return addResponseHeaders(await handler(request, result.context, ...args), result.headers);
      };
    },
  };
}
