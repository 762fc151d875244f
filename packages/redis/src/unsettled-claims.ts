/** Atomically deletes KEYS[1] when it holds one of ARGV: only a claim this store made is ever released. */
const RELEASE_SCRIPT =
  "local v = redis.call('GET', KEYS[1]) for _, t in ipairs(ARGV) do if v == t then return redis.call('DEL', KEYS[1]) end end return 0";

// Attempts remembered per key; a client retrying one proof more often than this while Redis hangs is not
// a client to accommodate.
const MAX_TOKENS_PER_KEY = 8;

/** The command that releases `key` if one of `tokens` holds it. */
export function releaseCommand(key: string, tokens: readonly string[]): string[] {
  return ['EVAL', RELEASE_SCRIPT, '1', key, ...tokens];
}

/**
 * Replay-store keys whose `SET NX` got no answer: Redis may or may not have set them, for a request that
 * was refused (503). Each attempt writes its own random token, so that releasing one (compare and delete)
 * can never remove a key set by a request that was accepted. Bounded: at most `maxKeys` keys (the oldest
 * forgotten first), each until its proof would be stale anyway.
 */
export class UnsettledClaims {
  readonly #claims = new Map<string, { tokens: string[]; expiresAt: number }>();

  constructor(private readonly maxKeys: number) {}

  add(key: string, tokens: readonly string[], ttlMs: number): void {
    if (tokens.length === 0) return;
    const now = Date.now();
    const existing = this.#take(key, now);
    const merged = [...(existing?.tokens ?? []), ...tokens].slice(-MAX_TOKENS_PER_KEY);
    this.#claims.set(key, {
      tokens: merged,
      expiresAt: Math.max(existing?.expiresAt ?? 0, now + ttlMs),
    });
    for (const oldest of this.#claims.keys()) {
      if (this.#claims.size <= this.maxKeys) break;
      this.#claims.delete(oldest);
    }
  }

  /** The unsettled tokens of `key`, forgotten here: the caller releases them or adds them back. */
  take(key: string): readonly string[] | undefined {
    return this.#take(key, Date.now())?.tokens;
  }

  /** Forgets one token of `key`: Redis answered, so its outcome is known. */
  settle(key: string, token: string): void {
    const claim = this.#claims.get(key);
    if (claim === undefined) return;
    claim.tokens = claim.tokens.filter((held) => held !== token);
    if (claim.tokens.length === 0) this.#claims.delete(key);
  }

  #take(key: string, now: number): { tokens: string[]; expiresAt: number } | undefined {
    const claim = this.#claims.get(key);
    this.#claims.delete(key);
    return claim === undefined || claim.expiresAt <= now ? undefined : claim;
  }
}
