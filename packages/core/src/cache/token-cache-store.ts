import type { Failure } from '../errors/failure.js';
import type { StoreHealthReporter } from '../observability/dependency-health.js';
import type { TokenInfo } from '../token-info.js';

/**
 * One cached answer for a token: what the resolver found, or why it refused, until when (ms since the
 * epoch, on the clock of the resource server that stored it) the answer may be used, and when it was
 * stored (`storedAt`, on that same clock).
 *
 * The cache that reads an answer judges it by its own settings and clock, not by the writer's: it serves
 * an accepted answer only between the token's `nbf` and `exp`, and any answer only while it is younger
 * (`now − storedAt`) than its own `ttl`, `negativeTtl` and `maxTtl` allow. A store shared between
 * instances keeps `storedAt` with the answer; an answer read back without it is served only when
 * `usableUntil` is no further away than the reader's own lifetime.
 */
export type CachedAnswer =
  | {
      /** What the resolver found, for an accepted token. */
      readonly info: TokenInfo;
      readonly failure?: undefined;
      /** Until when the answer may be used, ms since the epoch (the storing server's clock). */
      readonly usableUntil: number;
      /** When it was stored, on that same clock; absent in answers from older writers. */
      readonly storedAt?: number | undefined;
    }
  | {
      readonly info?: undefined;
      /** Why the resolver refused the token. */
      readonly failure: Failure;
      /** Until when the answer may be used, ms since the epoch (the storing server's clock). */
      readonly usableUntil: number;
      /** When it was stored, on that same clock; absent in answers from older writers. */
      readonly storedAt?: number | undefined;
    };

/** What a token cache tells its store about one lookup ({@link TokenCacheStore.get}). */
export interface StoreLookup {
  /**
   * The longest this cache keeps any answer, in ms (`min(max(ttl, negativeTtl), maxTtl)`). A store with
   * an in-process tier in front of a shared one keeps what it reads from the shared one locally no
   * longer than this, whatever lifetime the shared one gives it: that was another instance's choice.
   */
  readonly maxLifetime: number;
}

/** How a deletion came about, for a store shared between instances ({@link TokenCacheStore.delete}). */
export interface StoreDeletion {
  /**
   * The deletion repeats a revocation that another instance has already applied to the shared store
   * and announced to the others. It is repeated because an instance that had not yet heard of it may
   * have stored a revoked answer meanwhile. A shared store tells the other instances only when it still
   * finds something to delete (or cannot tell): announcing every repeat would cost N² messages for
   * each revocation across N instances.
   */
  readonly alreadyAnnounced?: boolean | undefined;
}

/**
 * Where a token cache keeps its answers. Keys are already hashes of tokens, never tokens. A store may
 * be local ({@link memoryTokenCacheStore}) or shared between instances (`@rs/redis`).
 *
 * A store that fails must throw (or reject); the cache then carries on without it (a cache problem never
 * fails a request). An operation that has not settled within 5 s is taken as failed as well: a `get` as
 * a miss, a write as dropped (it is not awaited further, so a write that lands later is not undone).
 * Bound your store's own operations well within that, as `@rs/redis` does with `commandTimeout`: every
 * request that misses waits for a `get` and then a `set`. An optional `health()` reports its connection
 * in the resource server's `status()`.
 *
 * A store is trusted: whoever can write into it can make any token pass, within the token-validity and
 * lifetime checks the reading cache applies to every answer ({@link CachedAnswer}). Let only the resource
 * servers write into a shared store (or have it authenticate what it holds, as `@rs/redis` does with a
 * `signingSecret`).
 */
export interface TokenCacheStore extends StoreHealthReporter {
  /**
   * The prefix of every key this store holds, when it owns only those: `clear()` then deletes the keys
   * that begin with it, and no other (`@rs/redis` declares its `keyPrefix`). A store that holds whatever
   * keys it is given, and clears them all ({@link memoryTokenCacheStore}), declares none.
   *
   * {@link tokenCache} refuses at start-up a store whose declared prefix is not its own `keyPrefix`, the
   * same string: under another prefix, the keys the cache writes (`<cache keyPrefix><namespace>:<token
   * hash>`) would lie outside what the store's `clear()` reaches, and the answers a `clear()` meant to
   * forget would still be served; under a longer one, the store's `clear()` would also delete keys that
   * are not the cache's (in a shared Redis, another component's).
   */
  readonly keyPrefix?: string | undefined;
  /**
   * The answer stored under `key`, or `undefined` when absent or expired; `lookup` bounds how long a tiered
   * store keeps it locally. Anything else that is no {@link CachedAnswer} (a string, raw JSON, a failure
   * of `null`) is taken by the cache as a miss and a store failure (`onStoreError`), never served.
   */
  get(key: string, lookup?: StoreLookup): Promise<CachedAnswer | undefined> | CachedAnswer | undefined;
  /** Keep `answer` for at most `ttlMs` milliseconds. */
  set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void> | void;
  /**
   * Forgets the answer stored under `key`, everywhere the store reaches; `deletion` says whether others have
   * already heard of it.
   */
  delete(key: string, deletion?: StoreDeletion): Promise<void> | void;
  /** Forgets every answer the store holds (for a store with a `keyPrefix`, every key under it). */
  clear(): Promise<void> | void;
  /**
   * Deletes every answer indexed under `label` (a {@link revocationLabels} label such as `sub:alice`),
   * everywhere the store reaches; resolves how many it deleted (or `undefined` when it cannot tell). A
   * store indexes the accepted answers it holds under their labels, and keeps that index no larger than
   * the answers written within their lifetime (a shared store may keep the index entries of deleted
   * answers until they expire, so that a write racing a deletion stays findable). A store without this
   * method is cleared whole on a revocation by claim.
   */
  deleteLabelled?(label: string, deletion?: StoreDeletion): Promise<number | undefined> | number | undefined;
  /** Entries dropped to make room, for metrics. */
  evictions?(): number;
  /**
   * For a store shared between instances: calls `listener` whenever it hears that another instance
   * deleted answers: one (`key`), every answer indexed under a revocation label (`labelHash`, the
   * base64url SHA-256 of a revocation label such as `sub:alice`, as the store announces it),
   * or perhaps any (`all`: a `clear()`, or deletions it may have missed while it could not hear them).
   * Returns what stops the listening. {@link tokenCache} listens, so that the answer of a call it began
   * before such a deletion, which would put back what the deletion removed, is neither stored nor handed
   * to the requests waiting for it: they ask again, as after an `evict`, `revoke` or `clear()` made by
   * this instance.
   */
  onDeletedElsewhere?(
    listener: (
      deletion: { readonly key: string } | { readonly labelHash: string } | { readonly all: true },
    ) => void,
  ): () => void;
}
