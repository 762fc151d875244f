import type { BoundedCommands } from './bounded-commands.js';

/** Members read and deleted per step: small steps keep Redis responsive. */
const STEP = 500;
/** Members are trimmed once this long past their expiry: more than any clock difference between instances. */
const TRIM_MARGIN_MS = 5_000;

/**
 * The revocation index in Redis: for each label hash, a sorted set `<keyPrefix>index:<hash>` of the
 * cache keys indexed under it, scored by their expiry (ms since the epoch). Bounded on every write:
 * members past their expiry are trimmed, and the set itself expires with its longest-lived member
 * (`PEXPIRE … NX` then `GT`, Redis 7), so an index key never outlives the entries it names. Every command
 * names one key, so the index works the same on Redis Cluster.
 */
export class RedisLabelIndex {
  constructor(
    private readonly commands: BoundedCommands,
    private readonly keyPrefix: string,
  ) {}

  indexKey(hash: string): string {
    return `${this.keyPrefix}index:${hash}`;
  }

  /** The commands that index `key` (kept `ttlMs`) under each label hash, all sent in the same tick. */
  add(key: string, hashes: readonly string[], ttlMs: number, now: number): Promise<unknown>[] {
    const ttl = String(ttlMs);
    return hashes.flatMap((hash) => {
      const indexKey = this.indexKey(hash);
      return [
        this.commands.send(['ZADD', indexKey, String(now + ttlMs), key]),
        this.commands.send(['ZREMRANGEBYSCORE', indexKey, '-inf', `(${now - TRIM_MARGIN_MS}`]),
        this.commands.send(['PEXPIRE', indexKey, ttl, 'NX']),
        this.commands.send(['PEXPIRE', indexKey, ttl, 'GT']),
      ];
    });
  }

  /**
   * Deletes every entry indexed under `hash` when it begins, however many, and removes them from the
   * index; resolves how many entries were deleted. Entries indexed meanwhile (by instances that have not
   * heard of the revocation yet) stay indexed, for the deletion each of them repeats once it hears.
   */
  async deleteLabelled(hash: string): Promise<number> {
    const indexKey = this.indexKey(hash);
    // As many steps as the index holds entries when the deletion begins: a client's label can index an
    // answer for each of its users' tokens, and a cap would leave revoked answers in Redis, served. One
    // step more for entries indexed meanwhile, which come last (they expire last); any after it stay
    // in the index (never deleted whole here), where the repeats of the other instances find them.
    const indexed = await this.commands.send(['ZCARD', indexKey]);
    if (typeof indexed !== 'number' || !Number.isSafeInteger(indexed) || indexed < 0) {
      throw new Error(`ZCARD answered ${typeof indexed}, not a count`);
    }
    const steps = Math.ceil(indexed / STEP) + 1;
    let deleted = 0;
    for (let step = 0; step < steps; step++) {
      const members = await this.commands.send(['ZRANGE', indexKey, '0', String(STEP - 1)]);
      if (!Array.isArray(members) || members.length === 0) break;
      const keys = members.map(String);
      const unlinked = await Promise.all(keys.map((key) => this.commands.send(['UNLINK', key])));
      deleted += unlinked.filter((count) => count === 1).length;
      // Redis deletes the sorted set itself once the last member is gone.
      await this.commands.send(['ZREM', indexKey, ...keys]);
    }
    return deleted;
  }
}
