import type { SharedRevocation } from '@rs/core';
import { parseBoundedJson } from '@rs/core/adapter';
import type { BoundedCommands } from './bounded-commands.js';
import type { ValueSignature } from './cached-answer-codec.js';
import { sharedRevocationFrom } from './eviction-message.js';

/** How long, and how many, the revocation list keeps its markers (`RevocationSharing.publishRevocation`). */
export interface MarkerBounds {
  readonly markerTtl: number;
  readonly maxMarkers: number;
}

/** What {@link KeptRevocationMarkers.read} found: the markers, and a description of each one refused. */
export interface ReadMarkers {
  readonly revocations: readonly SharedRevocation[];
  readonly refused: readonly string[];
}

// Bumped when the layout changes so that it would be misread.
const FORMAT_VERSION = 1;
// A marker is a hash or a claim value (at most 1 024 characters) and a few fields: anything longer was
// not written by this store.
const MAX_MARKER_LENGTH = 16 * 1024;
// Its object and the revocation's: nothing this store writes nests deeper.
const MAX_MARKER_DEPTH = 4;
/** Members read per step: small steps keep Redis responsive. */
const STEP = 1_000;
/** Markers are trimmed once this long past their expiry: more than any clock difference between instances. */
const TRIM_MARGIN_MS = 5_000;
/**
 * The furthest ahead of this instance's clock a marker's time may lie: a revocation may be dated up to 5
 * minutes ahead (`issuedBefore`), and the instance that made it may run ahead of this one by a minute. A
 * marker dated later would refuse the tokens it names for longer than its lifetime: it was not written
 * by an instance of this API.
 */
const MAX_AHEAD_MS = 6 * 60_000;

/**
 * The revocation markers kept in Redis, for the instances that were not subscribed when a revocation was
 * published (starting, or reconnecting): one sorted set `<keyPrefix>revocation-markers` of markers scored
 * by their expiry (the revocation time plus the list's `markerTtl`, in ms since the epoch). Bounded on
 * every write: markers past their expiry are trimmed, then the soonest to expire beyond the list's
 * `maxMarkers`, and the set itself expires with its longest-lived marker (`PEXPIRE … NX` then `GT`), so
 * it never outlives the markers it holds. One key: the same on Redis Cluster, with no scan of every node.
 * Each marker names that key, and with a `signingSecret` is signed, as cached answers are.
 */
export class KeptRevocationMarkers {
  readonly key: string;

  constructor(
    private readonly commands: BoundedCommands,
    keyPrefix: string,
    private readonly signature: ValueSignature | undefined,
  ) {
    this.key = `${keyPrefix}revocation-markers`;
  }

  /**
   * The commands that keep the marker of `revocation` for `bounds.markerTtl` after its time, all sent in
   * the same tick; none for an eviction (no time, no marker). Throws for a marker too long to be read back.
   */
  keep(revocation: SharedRevocation, bounds: MarkerBounds, now: number): Promise<unknown>[] {
    const { revokedAt } = revocation;
    if (revokedAt === undefined) return [];
    const expiry = revokedAt + bounds.markerTtl;
    // Relative to this instance's clock, not Redis's: Redis's own time may differ from the list's.
    const ttl = String(Math.max(1, Math.ceil(expiry - now)));
    const body = JSON.stringify({ v: FORMAT_VERSION, key: this.key, revocation: keptFields(revocation) });
    const member = this.signature === undefined ? body : this.signature.sign(body);
    // Never written when it would be refused on reading: the failure is reported now, not missed later.
    if (member.length > MAX_MARKER_LENGTH)
      throw new Error(`a revocation marker longer than ${MAX_MARKER_LENGTH} characters is not kept`);
    return [
      this.commands.send(['ZADD', this.key, String(expiry), member]),
      this.commands.send(['ZREMRANGEBYSCORE', this.key, '-inf', `(${now - TRIM_MARGIN_MS}`]),
      // The soonest to expire go first, as the list drops its oldest markers first.
      this.commands.send(['ZREMRANGEBYRANK', this.key, '0', String(-bounds.maxMarkers - 1)]),
      this.commands.send(['PEXPIRE', this.key, ttl, 'NX']),
      this.commands.send(['PEXPIRE', this.key, ttl, 'GT']),
    ];
  }

  /**
   * The live markers, soonest to expire first (so that a list bounded below their number keeps the
   * latest), at most `limit`; a member this store did not write is refused, described (never quoted).
   */
  async read(now: number, limit: number): Promise<ReadMarkers> {
    const revocations: SharedRevocation[] = [];
    const refused: string[] = [];
    for (let offset = 0; offset < limit; offset += STEP) {
      const count = Math.min(STEP, limit - offset);
      const members = await this.commands.send([
        'ZRANGE',
        this.key,
        `(${now - TRIM_MARGIN_MS}`,
        '+inf',
        'BYSCORE',
        'LIMIT',
        String(offset),
        String(count),
      ]);
      if (!Array.isArray(members)) throw new Error(`ZRANGE answered ${typeof members}, not a list`);
      for (const member of members) {
        const read = this.#decode(member, now);
        if ('refused' in read) refused.push(read.refused);
        else revocations.push(read.revocation);
      }
      if (members.length < count) break;
    }
    return { revocations, refused };
  }

  #decode(member: unknown, now: number): { revocation: SharedRevocation } | { refused: string } {
    const text =
      typeof member === 'string' ? member : Buffer.isBuffer(member) ? member.toString('utf8') : undefined;
    if (text === undefined) return { refused: 'a revocation marker of an unexpected type' };
    if (text.length > MAX_MARKER_LENGTH)
      return { refused: `a revocation marker longer than ${MAX_MARKER_LENGTH} characters` };
    const body = this.signature === undefined ? text : this.signature.verified(text);
    if (body === undefined) return { refused: 'a revocation marker without a valid signature' };
    const parsed = parseBoundedJson(body, MAX_MARKER_DEPTH);
    if (!parsed.ok || typeof parsed.value !== 'object' || parsed.value === null) return NOT_A_MARKER;
    const { v, key, revocation } = parsed.value as Record<string, unknown>;
    if (v !== FORMAT_VERSION) return NOT_A_MARKER;
    if (key !== this.key) return { refused: 'a revocation marker written under another key' };
    const shared = sharedRevocationFrom(revocation);
    if (shared?.revokedAt === undefined) return NOT_A_MARKER;
    if (shared.revokedAt > now + MAX_AHEAD_MS)
      return { refused: 'a revocation marker dated further ahead than any revocation is' };
    return { revocation: shared };
  }
}

const NOT_A_MARKER = { refused: 'a value that is not a revocation marker' } as const;

/** The fields of a revocation that its marker keeps, in a fixed order. */
function keptFields(revocation: SharedRevocation): SharedRevocation {
  const { by, value, signingInputHash, issuer, revokedAt } = revocation;
  return {
    by,
    value,
    ...(signingInputHash === undefined ? {} : { signingInputHash }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}
