import type { DefaultClaims, RsContext } from '@rs/core';
import type { FastifyRequest } from 'fastify';

/**
 * `request.oauth2` with the application's claims type (a statement about the tokens the authorization
 * server issues, not a check), or `null` on a route that did not authenticate the request.
 *
 * @example
 * ```ts
 * interface MyClaims { readonly tenant: string }
 * app.get('/tenant', async (request) => contextOf<MyClaims>(request)?.claims.tenant);
 * ```
 */
export function contextOf<Claims extends object = DefaultClaims>(
  request: FastifyRequest,
): RsContext<Claims> | null {
  return request.oauth2 as RsContext<Claims> | null;
}
