import type { RevocationList } from './revocation-list.js';

/**
 * The revocation lists of several resolvers (their `revocationLists`) or options, each once, or
 * `undefined` when there are none: what a resolver wrapping others reports as its own, so that a cache
 * around it still hears of every revocation they check.
 */
export function distinctRevocationLists(
  ...groups: readonly (readonly RevocationList[] | undefined)[]
): readonly RevocationList[] | undefined {
  const lists = new Set<RevocationList>();
  for (const group of groups) for (const list of group ?? []) lists.add(list);
  return lists.size === 0 ? undefined : [...lists];
}
