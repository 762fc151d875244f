import { LRUCache } from 'lru-cache';
import type { TokenInfo } from '../token-info.js';
import { claimNamedBy, type RevocationTarget, type SharedRevocation } from './revocation.js';

const CLAIM_TARGETS = ['jti', 'sub', 'client', 'sid'] as const;

/**
 * "Revoked before time T" markers, one per revocation, kept for `markerTtl` after T: a token they name
 * that was issued at or before T (or says not when it was issued) is refused. A token named by its
 * `jti` or by itself is refused whenever it was issued. Bounded: past `maxMarkers`, the least recently
 * revoked go first, counted as `droppedMarkers`.
 */
export class RevocationMarkers {
  readonly #markers: LRUCache<string, { readonly revokedAt: number; readonly until: number }>;
  #dropped = 0;
  #tokenMarkers = 0;

  constructor(
    maxMarkers: number,
    private readonly markerTtl: number,
  ) {
    this.#markers = new LRUCache({
      max: maxMarkers,
      dispose: (_value, key, reason) => {
        if (reason === 'evict') this.#dropped++;
        if (key.startsWith('token\n')) this.#tokenMarkers--;
      },
    });
  }

  /** Records a revocation that carries `revokedAt`; keeps the later time when one is already marked. */
  add(revocation: SharedRevocation): void {
    const { revokedAt } = revocation;
    if (revokedAt === undefined) return;
    const key = markerKey(revocation.by, revocation.issuer, revocation.value);
    const known = this.#markers.get(key);
    if (known !== undefined && known.revokedAt >= revokedAt) return;
    if (known === undefined && revocation.by === 'token') this.#tokenMarkers++;
    this.#markers.set(key, { revokedAt, until: revokedAt + this.markerTtl });
  }

  /** Whether a token has been revoked by itself (its SHA-256): only asked when such markers exist. */
  hasTokenMarkers(): boolean {
    return this.#tokenMarkers > 0;
  }

  /** Whether `info` (with the token's hash, when known) is named by a live marker. */
  refuses(info: TokenInfo, now: number, tokenHash?: string): boolean {
    if (this.#markers.size === 0) return false;
    if (tokenHash !== undefined && this.#live(markerKey('token', undefined, tokenHash), now) !== undefined)
      return true;
    for (const by of CLAIM_TARGETS) {
      const value = claimNamedBy(info, by);
      if (value === undefined) continue;
      for (const issuer of info.issuer === undefined ? [undefined] : [undefined, info.issuer]) {
        const revokedAt = this.#live(markerKey(by, issuer, value), now);
        if (revokedAt === undefined) continue;
        if (by === 'jti') return true;
        // Seconds against milliseconds: a token issued in the same second as the revocation is refused.
        if (info.issuedAt === undefined || info.issuedAt * 1000 <= revokedAt) return true;
      }
    }
    return false;
  }

  #live(key: string, now: number): number | undefined {
    const marker = this.#markers.get(key);
    if (marker === undefined) return undefined;
    if (now >= marker.until) {
      this.#markers.delete(key);
      return undefined;
    }
    return marker.revokedAt;
  }

  get size(): number {
    return this.#markers.size;
  }

  /** Markers dropped before their time to stay within the bound: non-zero means raise `maxMarkers`. */
  get dropped(): number {
    return this.#dropped;
  }
}

function markerKey(by: RevocationTarget, issuer: string | undefined, value: string): string {
  return `${by}\n${issuer ?? ''}\n${value}`;
}
