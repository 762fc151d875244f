import type { CachedAnswer } from './token-cache-store.js';

/**
 * Whether what a store's `get` answered has the shape of a {@link CachedAnswer}, as far as the cache and
 * the stages after it read it: a finite `usableUntil` (and `storedAt` when present), and either token info
 * (its `claims` an object, its `scopes` a `Set`, its `audience` an array, its times numbers) or a failure
 * with a string `code` and `description`. A store of your own that answers anything else (a string, the
 * raw JSON it kept, `{ failure: null }`) would otherwise throw a `TypeError` at every request that reads
 * it; the cache counts such an answer as a store failure and asks the resolver instead.
 */
export function isCachedAnswer(value: unknown): value is CachedAnswer {
  if (!isRecord(value)) return false;
  if (!Number.isFinite(value.usableUntil)) return false;
  if (value.storedAt !== undefined && !Number.isFinite(value.storedAt)) return false;
  if (value.info !== undefined) return value.failure === undefined && isTokenInfo(value.info);
  const failure = value.failure;
  return isRecord(failure) && typeof failure.code === 'string' && typeof failure.description === 'string';
}

// Read at every cache hit: constant lists and plain loops, no arrays or closures made per answer.
const NUMBER_MEMBERS = ['expiresAt', 'notBefore', 'issuedAt', 'answerExpiresAt'] as const;
const STRING_MEMBERS = ['subject', 'clientId', 'issuer', 'tokenId'] as const;

function isTokenInfo(info: unknown): boolean {
  if (
    !isRecord(info) ||
    !isRecord(info.claims) ||
    !(info.scopes instanceof Set) ||
    !Array.isArray(info.audience)
  )
    return false;
  for (const member of NUMBER_MEMBERS) {
    if (info[member] !== undefined && typeof info[member] !== 'number') return false;
  }
  for (const member of STRING_MEMBERS) {
    if (info[member] !== undefined && typeof info[member] !== 'string') return false;
  }
  return true;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
