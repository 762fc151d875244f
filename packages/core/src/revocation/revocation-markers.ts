import { LruMap } from '../lru-map.js';
import type { TokenInfo } from '../token-info.js';
import { claimNamedBy, type RevocationTarget, type SharedRevocation } from './revocation.js';

const CLAIM_TARGETS = ['jti', 'sub', 'client', 'sid'] as const;

/**
 * "Revoked before time T" markers, one per revoked value (for every issuer, or per issuer), kept for
 * `markerTtl` after T: a token they name
 * that was issued at or before T (or says not when it was issued) is refused. A token named by its
 * `jti` or by itself is refused whenever it was issued. Bounded: past `maxMarkers`, the least recently
 * revoked go first, counted as `droppedMarkers`.
 */
/** A marker: when the revocation was made, and until when it is kept. */
interface Marker {
  readonly revokedAt: number;
  readonly until: number;
}

/** The markers of one claim value: for every issuer, and for some issuers only. */
interface ValueMarkers {
  anyIssuer?: Marker | undefined;
  byIssuer?: Map<string, Marker> | undefined;
}

export class RevocationMarkers {
  readonly #markers: LruMap<string, ValueMarkers>;
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
      onRemove: (_value, key) => {
        if (namesOneToken(key)) this.#tokenMarkers--;
      },
    });
  }

  /** Records a revocation that carries `revokedAt`; keeps the later time when one is already marked. */
  add(revocation: SharedRevocation): void {
    const { revokedAt, issuer } = revocation;
    if (revokedAt === undefined) return;
    this.#mark(markerKey(revocation.by, revocation.value), revokedAt, issuer);
    if (revocation.by === 'token' && revocation.signingInputHash !== undefined)
      this.#mark(markerKey('signing-input', revocation.signingInputHash), revokedAt, issuer);
  }

  #mark(key: string, revokedAt: number, issuer: string | undefined): void {
    const known = this.#markers.get(key);
    if (known === undefined && namesOneToken(key)) this.#tokenMarkers++;
    const markers: ValueMarkers = known ?? {};
    const marker = { revokedAt, until: revokedAt + this.markerTtl };
    if (issuer === undefined) {
      if (markers.anyIssuer === undefined || markers.anyIssuer.revokedAt < revokedAt)
        markers.anyIssuer = marker;
    } else {
      markers.byIssuer ??= new Map();
      const previous = markers.byIssuer.get(issuer);
      if (previous === undefined || previous.revokedAt < revokedAt) markers.byIssuer.set(issuer, marker);
    }
    this.#markers.set(key, markers);
  }

  /** Whether a token has been revoked by itself (its SHA-256): only asked when such markers exist. */
  hasTokenMarkers(): boolean {
    return this.#tokenMarkers > 0;
  }

  /**
   * Whether `info` is named by a live marker: by a claim, or (when they are given) by the token's hash or
   * the hash of the signing input of the JWS it is or holds.
   */
  refuses(info: TokenInfo, now: number, tokenHash?: string, signingInputHash?: string): boolean {
    if (this.#markers.size === 0) return false;
    if (this.namesToken(info.issuer, now, tokenHash, signingInputHash)) return true;
    for (const by of CLAIM_TARGETS) {
      const value = claimNamedBy(info, by);
      if (value === undefined) continue;
      const revokedAt = this.#revokedAt(by, value, info.issuer, now);
      if (revokedAt === undefined) continue;
      if (by === 'jti') return true;
      // Seconds against milliseconds: a token issued in the same second as the revocation is refused.
      if (info.issuedAt === undefined || info.issuedAt * 1000 <= revokedAt) return true;
    }
    return false;
  }

  /** Whether a live marker names the token by itself: by its hash, or by its signing input's. */
  namesToken(
    issuer: string | undefined,
    now: number,
    tokenHash: string | undefined,
    signingInputHash: string | undefined,
  ): boolean {
    return (
      (tokenHash !== undefined && this.#revokedAt('token', tokenHash, issuer, now) !== undefined) ||
      (signingInputHash !== undefined &&
        this.#revokedAt('signing-input', signingInputHash, issuer, now) !== undefined)
    );
  }

  /** The latest live revocation time naming this value (for every issuer, or for `issuer`). */
  #revokedAt(by: MarkedBy, value: string, issuer: string | undefined, now: number): number | undefined {
    const markers = this.#markers.get(markerKey(by, value));
    if (markers === undefined) return undefined;
    const any =
      markers.anyIssuer !== undefined && now < markers.anyIssuer.until
        ? markers.anyIssuer.revokedAt
        : undefined;
    const forIssuer = issuer === undefined ? undefined : markers.byIssuer?.get(issuer);
    const own = forIssuer !== undefined && now < forIssuer.until ? forIssuer.revokedAt : undefined;
    if (any === undefined && own === undefined) {
      // Every marker of this value may be past: drop the entry once none is live.
      if (this.#allPast(markers, now)) this.#markers.delete(markerKey(by, value));
      return undefined;
    }
    return Math.max(any ?? -1, own ?? -1);
  }

  #allPast(markers: ValueMarkers, now: number): boolean {
    if (markers.anyIssuer !== undefined && now < markers.anyIssuer.until) return false;
    for (const marker of markers.byIssuer?.values() ?? []) if (now < marker.until) return false;
    return true;
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

function markerKey(by: MarkedBy, value: string): string {
  return `${by}\n${value}`;
}

/** Whether a marker key names one token (by its hash or its signing input's), not a claim value. */
function namesOneToken(key: string): boolean {
  return key.startsWith('token\n') || key.startsWith('signing-input\n');
}
