import type { BoundedCommands } from './bounded-commands.js';

/** Members read and deleted per step: small steps keep Redis responsive. */
const STEP = 500;
/** Members are trimmed once this long past their expiry: more than any clock difference between instances. */
const TRIM_MARGIN_MS = 5_000;
/** What follows the prefix in an index key: `index:` and a label hash (SHA-256, base64url). */
const INDEX_KEY_SUFFIX = /^index:[A-Za-z0-9_-]{43}$/;

/**
 * The revocation index in Redis: for each label hash, a sorted set `<keyPrefix>index:<hash>` of the
 * cache keys indexed under it, scored by their expiry (ms since the epoch). Bounded on every write and
 * every revocation: members past their expiry are trimmed, and the set itself expires with its
 * longest-lived member (`PEXPIREAT … NX` then `GT`, Redis 7), so an index key never outlives the entries
 * it names. Every command names one key, so the index works the same on Redis Cluster.
 *
 * A member leaves the index only by expiring: never when its entry is deleted (by a revocation or
 * `clear()`). The entry and its members are separate keys, written and deleted by separate commands that
 * another instance's commands can come between, so only then does an entry in Redis always have its
 * members: they are written first (see {@link add}), and nothing removes them before the entry expires.
 * A member whose entry is gone costs a deletion that finds nothing, until it expires.
 */
export class RedisLabelIndex {
  constructor(
    private readonly commands: BoundedCommands,
    private readonly keyPrefix: string,
  ) {}

  indexKey(hash: string): string {
    return `${this.keyPrefix}index:${hash}`;
  }

  /** Whether `key` is an index key of this prefix (which `clear()` leaves to expire). */
  isIndexKey(key: string): boolean {
    return key.startsWith(this.keyPrefix) && INDEX_KEY_SUFFIX.test(key.slice(this.keyPrefix.length));
  }

  /**
   * The commands that index `key`, an entry expiring at `expiresAt` (ms since the epoch), under each label
   * hash, all sent in the same tick. Write the entry only once they have all succeeded, and with that same
   * expiry: an entry written before its members could be deleted by a revocation that finds no member,
   * and one outliving them would be found by none. A member's score and the set's expiry only ever move
   * later (`GT`): a write that ends sooner, racing one that ends later, shortens neither.
   */
  add(key: string, hashes: readonly string[], expiresAt: number, now: number): Promise<unknown>[] {
    const expiry = String(expiresAt);
    return hashes.flatMap((hash) => {
      const indexKey = this.indexKey(hash);
      return [
        this.commands.send(['ZADD', indexKey, 'GT', expiry, key]),
        this.commands.send(trimExpired(indexKey, now)),
        this.commands.send(['PEXPIREAT', indexKey, expiry, 'NX']),
        this.commands.send(['PEXPIREAT', indexKey, expiry, 'GT']),
      ];
    });
  }

  /**
   * Deletes every entry indexed under `hash` when it begins, however many (`ZSCAN` returns every member
   * present from its start to its end); resolves how many entries were deleted. The members stay, to
   * expire: an instance writing an entry of the label meanwhile (one that has not heard of the revocation
   * yet) may have written its member before this deletion and its entry after it, and a later revocation
   * (the repeat each instance makes once it hears) must still find that entry.
   *
   * Members past their expiry (on `now`, ms since the epoch) are trimmed first, as a write does: a label
   * nothing is written under any more keeps them until its key expires with its longest-lived member,
   * and every revocation of it would scan them meanwhile. Trimming them is safe where removing a member
   * of a deleted entry is not: its entry was written with the same expiry (`SET … PXAT`), so Redis has
   * expired it, and a write of it still under way can only write it expired.
   */
  async deleteLabelled(hash: string, now: number): Promise<number> {
    const indexKey = this.indexKey(hash);
    // Sent with the first step, in the same tick: one round trip, and Redis runs the trim first.
    const [, firstStep] = await Promise.all([
      this.commands.send(trimExpired(indexKey, now)),
      this.commands.send(zscanStep(indexKey, '0')),
    ]);
    let step = firstStep;
    let deleted = 0;
    for (;;) {
      const [cursor, keys] = zscanReply(step);
      const unlinked = await Promise.all(keys.map((key) => this.commands.send(['UNLINK', key])));
      deleted += unlinked.filter((count) => count === 1).length;
      if (cursor === '0') return deleted;
      step = await this.commands.send(zscanStep(indexKey, cursor));
    }
  }
}

/** Removes the members of `indexKey` past their expiry, by more than the margin for clock differences. */
function trimExpired(indexKey: string, now: number): string[] {
  return ['ZREMRANGEBYSCORE', indexKey, '-inf', `(${now - TRIM_MARGIN_MS}`];
}

function zscanStep(indexKey: string, cursor: string): string[] {
  return ['ZSCAN', indexKey, cursor, 'COUNT', String(STEP)];
}

/** The cursor and the members (without their scores) of a `ZSCAN` reply. */
function zscanReply(reply: unknown): [cursor: string, members: string[]] {
  if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1]) || reply[1].length % 2 !== 0) {
    throw new Error('ZSCAN answered something other than a cursor and a list of members and scores');
  }
  const [cursor, pairs] = reply as [unknown, unknown[]];
  return [String(cursor), pairs.filter((_, index) => index % 2 === 0).map(String)];
}
