import { checkOptions, entryCount, type OptionSchema } from '../config/option-schema.js';
import { tokenHash, tokenHashSync } from '../crypto/token-hash.js';
import type { KeySelector } from '../keys/verification-key-source.js';
import { LruMap } from '../lru-map.js';
import { LabelIndex } from '../revocation/label-index.js';
import { revocationLabel, revocationLabels, type SharedRevocation } from '../revocation/revocation.js';
import type { RevocableCache } from '../revocation/revocation-list.js';
import { tokenInfoFromClaims } from '../token-info.js';

/** Options of a JWT resolver's verified-token cache (`jwtResolver({ verifiedTokenCache })`). */
export interface VerifiedTokenCacheOptions {
  /**
   * How many tokens to remember; the least recently used make room. Default 10 000; at most
   * 10 000 000 (`MAX_ENTRIES_CEILING`), beyond which the process runs out of memory first.
   */
  readonly maxEntries?: number | undefined;
}

/** The rules of {@link VerifiedTokenCacheOptions}, part of the JWT resolver's schema. */
export const VERIFIED_TOKEN_CACHE_OPTIONS: OptionSchema<VerifiedTokenCacheOptions> = {
  maxEntries: entryCount(),
};

/**
 * A token whose signature checked out: its claims, and the key that proved them. Only the claims are
 * kept, not the token info derived from them (scopes, audience…): that is rebuilt on each hit, which
 * costs less than a microsecond and saves a third of an entry's memory.
 */
export interface VerifiedToken {
  readonly claims: Readonly<Record<string, unknown>>;
  /** The key that verified the signature, and the header fields that chose it. */
  readonly key: CryptoKey;
  readonly selector: KeySelector;
  /**
   * `exp`, seconds since the epoch, as the token says: the entry is never used from then on. Seconds
   * rather than milliseconds: a whole number of seconds fits in a small integer, which V8 keeps inside
   * the entry instead of in a heap number of its own.
   */
  readonly expiresAt: number;
}

/**
 * The tokens one JWT resolver verified, keyed by the SHA-256 of the token (never the token), so that a
 * client reusing its token skips the signature check. It holds only what the signature proved: the
 * resolver still checks the claims (expiry, issuer, audience) on every hit, and the resource server
 * still checks confirmation and policy after every resolve. One per resolver, so two resolvers (two
 * issuers, two audiences) never share an entry.
 */
export class VerifiedTokenCache implements RevocableCache {
  private readonly entries: LruMap<string, VerifiedToken>;
  /** By `jti`, subject, client and session, when a revocation list may name entries. */
  private readonly index: LabelIndex | undefined;

  constructor(options: VerifiedTokenCacheOptions, option: string, indexed = false) {
    // Checked here too, for a cache built without the resolver's schema.
    checkOptions(options, VERIFIED_TOKEN_CACHE_OPTIONS, option);
    const maxEntries = options.maxEntries ?? 10_000;
    const index = indexed ? new LabelIndex() : undefined;
    this.index = index;
    this.entries = new LruMap<string, VerifiedToken>({
      max: maxEntries,
      ...(index === undefined ? {} : { onRemove: (_entry: VerifiedToken, key: string) => index.remove(key) }),
    });
  }

  /** The cache key of a token: synchronous on Node, WebCrypto elsewhere. */
  keyOf(token: string): string | Promise<string> {
    return tokenHashSync === undefined ? tokenHash(token) : tokenHashSync(token);
  }

  /** The entry for a token, unless it expired (then it is dropped). */
  get(key: string, now: number): VerifiedToken | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    if (now >= entry.expiresAt * 1000) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }

  set(key: string, entry: VerifiedToken): void {
    this.entries.set(key, entry);
    this.index?.add(key, revocationLabels(tokenInfoFromClaims(entry.claims, 'jwt')));
  }

  /** Drops what a revocation names: the resolver refuses those tokens anyway, this frees their entries. */
  dropRevoked(revocation: SharedRevocation): void {
    if (revocation.by === 'token') {
      this.entries.delete(revocation.value);
      return;
    }
    for (const key of this.index?.keysOf(revocationLabel(revocation.by, revocation.value)) ?? [])
      this.entries.delete(key);
  }

  /** Keys in the revocation index: never more than the entries. */
  get indexedKeys(): number {
    return this.index?.size.keys ?? 0;
  }

  /** Drops an entry whose key left the key set. */
  delete(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }
}
