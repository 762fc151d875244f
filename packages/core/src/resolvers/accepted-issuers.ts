import { RsConfigError } from '../config/config-error.js';
import type { AccessTokenResolver } from './resolver.js';

/**
 * The `iss` values each resolver of @rs that checks them accepts, for `issuerRouter` to refuse at
 * start-up a route whose resolver would refuse every token routed to it. Kept here rather than on the
 * resolver, so that it is no part of the public API. Keyed by the resolver, and by its namespace when it
 * has one of @rs: a namespace stands for what a resolver accepts (two resolvers answering alike share it),
 * and `tokenCache`, which answers exactly as the resolver it wraps, takes it over, so a cached resolver is
 * known as well.
 */
const acceptedIssuers = new WeakMap<object, ReadonlySet<string>>();

/** Records that `resolver` refuses every token whose `iss` is not one of `issuers`. */
export function recordAcceptedIssuers(resolver: AccessTokenResolver, issuers: ReadonlySet<string>): void {
  acceptedIssuers.set(resolver, issuers);
  const namespace = resolver.cacheNamespace;
  if (typeof namespace === 'object') acceptedIssuers.set(namespace, issuers);
}

/**
 * The issuers `resolver` accepts, as {@link recordAcceptedIssuers} recorded them; `undefined` when it
 * cannot tell (a resolver of your own, an introspection resolver, which accepts answers without `iss`).
 */
export function acceptedIssuersOf(resolver: AccessTokenResolver): ReadonlySet<string> | undefined {
  const namespace = resolver.cacheNamespace;
  return (
    acceptedIssuers.get(resolver) ??
    (typeof namespace === 'object' ? acceptedIssuers.get(namespace) : undefined)
  );
}

/**
 * Refuses a published authorization server (`protectedResource.authorizationServers`, RFC 9728) whose
 * tokens `resolver` would refuse every one of with `issuer_mismatch`: clients that read the metadata
 * would fetch tokens there, and be refused each time. Only where the resolver says which issuers it
 * accepts; each entry is an issuer identifier, compared with `iss` exactly as the resolver compares it.
 */
export function refuseUnacceptedAuthorizationServers(
  authorizationServers: readonly string[] | undefined,
  resolver: AccessTokenResolver,
  option: string,
): void {
  const accepted = acceptedIssuersOf(resolver);
  if (accepted === undefined || authorizationServers === undefined) return;
  authorizationServers.forEach((server, index) => {
    if (accepted.has(server)) return;
    const named = [...accepted].map((issuer) => JSON.stringify(issuer)).join(', ');
    throw new RsConfigError(
      `${option}[${index}]`,
      `"${server}" is no issuer the resolver accepts (${named}): clients would fetch tokens there, and ` +
        'every one would be refused (issuer_mismatch); list the issuers exactly as the resolver is given them',
    );
  });
}
