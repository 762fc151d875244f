import { LruMap } from '../lru-map.js';
import type { TokenInfo } from '../token-info.js';
import type { IssuerSpellings } from './issuer-spellings.js';
import { claimNamedBy, type RevocationTarget, type SharedRevocation } from './revocation.js';

const CLAIM_TARGETS = ['jti', 'sub', 'client', 'sid'] as const;

/** A marker: when the revocation was made, and until when it is kept (both moved by a later one). */
interface Marker {
  revokedAt: number;
  until: number;
  /** The issuer whose tokens it names; `undefined` for every issuer. */
  readonly issuer: string | undefined;
}

/** The number an issuer is written as in marker keys, and how many markers name it. */
interface IssuerEntry {
  readonly id: number;
  markers: number;
}

/**
 * "Revoked before time T" markers, one per revoked value and issuer (or for every issuer), kept for
 * `markerTtl` after T: a token they name
 * that was issued at or before T (or says not when it was issued) is refused. A token named by its
 * `jti` or by itself is refused whenever it was issued. Bounded: past `maxMarkers`, the least recently
 * revoked go first, counted as `droppedMarkers`. Each issuer's marker of a value is an entry of its own,
 * so that revocations of one value for many issuers (`iss_sub` subjects of Security Event Tokens) count
 * against `maxMarkers` one by one, rather than growing a single entry without bound. An issuer is
 * written in keys as a number of its own (kept while a marker names it): a short key costs less to hash
 * on every check than one holding the issuer URL, and a token's issuer no marker names costs one lookup.
 */
export class RevocationMarkers {
  readonly #markers: LruMap<string, Marker>;
  readonly #issuers = new Map<string, IssuerEntry>();
  #nextIssuerId = 0;
  /** Markers for every issuer: none, the usual case with per-issuer revocations, spares a lookup. */
  #anyIssuerMarkers = 0;
  #dropped = 0;
  #tokenMarkers = 0;

  constructor(
    maxMarkers: number,
    private readonly markerTtl: number,
  ) {
    this.#markers = new LruMap({
      max: maxMarkers,
      onEvict: () => {
        this.#dropped++;
      },
      onRemove: (marker, key) => {
        if (namesOneToken(key)) this.#tokenMarkers--;
        this.#forget(marker.issuer);
      },
    });
  }

  /** Records a revocation that carries `revokedAt`; keeps the later time when one is already marked. */
  add(revocation: SharedRevocation): void {
    const { revokedAt, issuer } = revocation;
    if (revokedAt === undefined) return;
    this.#mark(revocation.by, revocation.value, issuer, revokedAt);
    if (revocation.by === 'token' && revocation.signingInputHash !== undefined)
      this.#mark('signing-input', revocation.signingInputHash, issuer, revokedAt);
  }

  #mark(by: MarkedBy, value: string, issuer: string | undefined, revokedAt: number): void {
    const issuerEntry = issuer === undefined ? undefined : this.#issuerEntry(issuer);
    const key = markerKey(by, value, issuerEntry?.id);
    const known = this.#markers.get(key);
    if (known === undefined) {
      if (namesOneToken(key)) this.#tokenMarkers++;
      if (issuerEntry === undefined) this.#anyIssuerMarkers++;
      else issuerEntry.markers++;
      this.#markers.set(key, { revokedAt, until: revokedAt + this.markerTtl, issuer });
      return;
    }
    // Updated in place, then set again as the most recently revoked: the same value, so the map does not
    // count it as removed.
    if (known.revokedAt < revokedAt) {
      known.revokedAt = revokedAt;
      known.until = revokedAt + this.markerTtl;
    }
    this.#markers.set(key, known);
  }

  /** Whether a token has been revoked by itself (its SHA-256): only asked when such markers exist. */
  hasTokenMarkers(): boolean {
    return this.#tokenMarkers > 0;
  }

  /**
   * Whether `info` is named by a live marker: by a claim, or (when they are given) by the token's hash or
   * the hash of the signing input of the JWS it is or holds. With `spellings` (those of the resolver a
   * cache wraps), a marker naming another spelling of the token's issuer names it too.
   */
  refuses(
    info: TokenInfo,
    now: number,
    tokenHash?: string,
    signingInputHash?: string,
    spellings?: IssuerSpellings,
  ): boolean {
    if (this.#markers.size === 0) return false;
    if (this.namesToken(info.issuer, now, tokenHash, signingInputHash, spellings)) return true;
    for (const by of CLAIM_TARGETS) {
      const value = claimNamedBy(info, by);
      if (value === undefined) continue;
      const revokedAt = this.#revokedAt(by, value, info.issuer, now, spellings);
      if (revokedAt === undefined) continue;
      if (by === 'jti') return true;
      // Seconds against milliseconds: a token issued in the same second as the revocation is refused.
      if (info.issuedAt === undefined || info.issuedAt * 1000 <= revokedAt) return true;
    }
    return false;
  }

  /**
   * Whether a live marker names an answer a cache holds, for the cache to ask its resolver again: as
   * {@link refuses}, and, when the answer does not say its issuer (RFC 7662 makes `iss` optional), by
   * the markers of every issuer. Such an answer may be of the issuer a revocation names (a Security Event
   * Token's `iss_sub` subject): asking again costs one call, serving it would serve a revoked token. The
   * cost is one lookup per issuer that markers name, and none for an answer that says its issuer.
   */
  namesAnswer(
    info: TokenInfo,
    now: number,
    tokenHash?: string,
    signingInputHash?: string,
    spellings?: IssuerSpellings,
  ): boolean {
    if (this.#markers.size === 0) return false;
    if (this.refuses(info, now, tokenHash, signingInputHash, spellings)) return true;
    if (info.issuer !== undefined) return false;
    // Every issuer a marker names is tried: its other spellings, when they are named, are tried too.
    for (const issuer of this.#issuers.keys())
      if (this.refuses({ ...info, issuer }, now, tokenHash, signingInputHash)) return true;
    return false;
  }

  /**
   * Whether a live marker names the token by itself: by its hash, or by its signing input's (for
   * `issuer` under any of its `spellings`, when given).
   */
  namesToken(
    issuer: string | undefined,
    now: number,
    tokenHash: string | undefined,
    signingInputHash: string | undefined,
    spellings?: IssuerSpellings,
  ): boolean {
    return (
      (tokenHash !== undefined &&
        this.#revokedAt('token', tokenHash, issuer, now, spellings) !== undefined) ||
      (signingInputHash !== undefined &&
        this.#revokedAt('signing-input', signingInputHash, issuer, now, spellings) !== undefined)
    );
  }

  /**
   * The latest live revocation time naming this value (for every issuer, or for `issuer` spelled
   * exactly so or, when `spellings` are given, as any other of them: see {@link IssuerSpellings}).
   */
  #revokedAt(
    by: MarkedBy,
    value: string,
    issuer: string | undefined,
    now: number,
    spellings: IssuerSpellings | undefined,
  ): number | undefined {
    const any = this.#anyIssuerMarkers === 0 ? undefined : this.#live(markerKey(by, value, undefined), now);
    let own = issuer === undefined ? undefined : this.#issuerRevokedAt(by, value, issuer, now);
    // Markers name no issuer at all in the usual case of revocations for every issuer: no lookup then.
    const others =
      issuer === undefined || spellings === undefined || this.#issuers.size === 0
        ? undefined
        : spellings.otherSpellingsOf(issuer);
    for (const spelling of others ?? []) {
      const revokedAt = this.#issuerRevokedAt(by, value, spelling, now);
      if (revokedAt !== undefined && (own === undefined || revokedAt > own)) own = revokedAt;
    }
    if (any === undefined) return own;
    return own === undefined ? any : Math.max(any, own);
  }

  /** The live revocation time of the marker of this value for `issuer` spelled exactly so. */
  #issuerRevokedAt(by: MarkedBy, value: string, issuer: string, now: number): number | undefined {
    const issuerId = this.#issuers.get(issuer)?.id;
    return issuerId === undefined ? undefined : this.#live(markerKey(by, value, issuerId), now);
  }

  /** The number of `issuer` in keys, given it when no marker names it yet. */
  #issuerEntry(issuer: string): IssuerEntry {
    let entry = this.#issuers.get(issuer);
    if (entry === undefined) {
      entry = { id: this.#nextIssuerId++, markers: 0 };
      this.#issuers.set(issuer, entry);
    }
    return entry;
  }

  /** A marker of `issuer` (or for every issuer) is gone: an issuer no marker names any more is dropped. */
  #forget(issuer: string | undefined): void {
    if (issuer === undefined) {
      this.#anyIssuerMarkers--;
      return;
    }
    const entry = this.#issuers.get(issuer);
    if (entry === undefined) return;
    entry.markers--;
    if (entry.markers === 0) this.#issuers.delete(issuer);
  }

  /** The revocation time of the marker under `key` while it is kept; a marker found past is dropped. */
  #live(key: string, now: number): number | undefined {
    const marker = this.#markers.get(key);
    if (marker === undefined) return undefined;
    if (now < marker.until) return marker.revokedAt;
    this.#markers.delete(key);
    return undefined;
  }

  get size(): number {
    return this.#markers.size;
  }

  /** Markers dropped before their time to stay within the bound: non-zero means raise `maxMarkers`. */
  get dropped(): number {
    return this.#dropped;
  }
}

/** What a marker names: a revocation's target, or the signing input of a JWS revoked by itself. */
type MarkedBy = RevocationTarget | 'signing-input';

/**
 * The key of the marker of `value` for the issuer numbered `issuerId` (`*` for every issuer). Neither
 * `by` nor the number holds a line break, so no value, whatever characters it holds, spells another
 * pair's key.
 */
function markerKey(by: MarkedBy, value: string, issuerId: number | undefined): string {
  return `${by}\n${issuerId ?? '*'}\n${value}`;
}

/** Whether a marker key names one token (by its hash or its signing input's), not a claim value. */
function namesOneToken(key: string): boolean {
  return key.startsWith('token\n') || key.startsWith('signing-input\n');
}
