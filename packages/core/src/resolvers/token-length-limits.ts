import type { AccessTokenResolver } from './resolver.js';

/**
 * The longest token each resolver of @rs that bounds them accepts (`jwtResolver`'s `maxTokenLength`), for
 * `issuerRouter` to read the issuer of every token one of its routes may accept, and no longer one. Kept
 * here rather than on the resolver, as the accepted issuers are (`accepted-issuers.ts`), and keyed by the
 * resolver and by its namespace, which `tokenCache` takes over.
 */
const maxTokenLengths = new WeakMap<object, number>();

/** Records that `resolver` refuses every token longer than `maxTokenLength` characters. */
export function recordMaxTokenLength(resolver: AccessTokenResolver, maxTokenLength: number): void {
  maxTokenLengths.set(resolver, maxTokenLength);
  const namespace = resolver.cacheNamespace;
  if (typeof namespace === 'object') maxTokenLengths.set(namespace, maxTokenLength);
}

/**
 * The longest token `resolver` accepts, as {@link recordMaxTokenLength} recorded it; `undefined` when it
 * cannot tell (a resolver of your own, an introspection resolver).
 */
export function maxTokenLengthOf(resolver: AccessTokenResolver): number | undefined {
  const namespace = resolver.cacheNamespace;
  return (
    maxTokenLengths.get(resolver) ??
    (typeof namespace === 'object' ? maxTokenLengths.get(namespace) : undefined)
  );
}
