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
