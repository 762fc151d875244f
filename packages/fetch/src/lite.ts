/**
 * @rs/fetch/lite: `createFetchResourceServer` over `@rs/core/lite`, for Workers whose bundle must stay
 * small. The same adapter code as `@rs/fetch`; the resource server leaves out what `@rs/core/lite` leaves
 * out (DPoP and `cnf` confirmation, certificate headers, failure answers, RFC 9728 metadata, audit and
 * telemetry), and refuses those options by name.
 *
 * @packageDocumentation
 */
import type { DefaultClaims } from '@rs/core';
import {
  fetchAdapterAuthenticatorWith,
  type LiteResourceServerSource,
  liteResourceServerFrom,
} from '@rs/core/adapter';
import {
  type FetchResourceServer,
  type FetchResourceServerSettings,
  fetchResourceServerOver,
} from './fetch-resource-server.js';

export type {
  FetchAuthResult,
  FetchResourceServer,
  FetchResourceServerSettings,
  OptionallyProtectedFetchHandler,
  ProtectedFetchHandler,
} from './fetch-resource-server.js';
export { statusHandler } from './status-handler.js';

/**
 * Options of the lite {@link createFetchResourceServer}: `@rs/core/lite`'s resource-server options (or
 * a prebuilt `resourceServer`), plus the adapter's {@link FetchResourceServerSettings}.
 */
export type LiteFetchResourceServerOptions = FetchResourceServerSettings & LiteResourceServerSource;

/**
 * Builds a {@link FetchResourceServer} over `@rs/core/lite`'s resource server. Options are checked here;
 * one the lite entry leaves out throws an `RsConfigError` naming it.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core/lite';
 * import { createFetchResourceServer } from '@rs/fetch/lite';
 *
 * const rs = createFetchResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * export default { fetch: rs.protect((request, oauth2) => Response.json({ subject: oauth2.subject })) };
 * ```
 */
export function createFetchResourceServer<Claims extends object = DefaultClaims>(
  options: LiteFetchResourceServerOptions,
): FetchResourceServer<Claims>;
// Last, so that `ReturnType<typeof createFetchResourceServer>` is the server with the default claims type.
export function createFetchResourceServer(options: LiteFetchResourceServerOptions): FetchResourceServer;
export function createFetchResourceServer<Claims extends object = DefaultClaims>(
  options: LiteFetchResourceServerOptions,
): FetchResourceServer<Claims> {
  return fetchResourceServerOver(fetchAdapterAuthenticatorWith(liteResourceServerFrom, options));
}
