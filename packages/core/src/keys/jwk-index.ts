import { base64url, type JWK } from 'jose';
import { isObject } from '../encoding/json-object.js';
import { kidLabel } from '../encoding/quoted-excerpt.js';
import { HMAC_MIN_BYTES, keyTypeFitsAlgorithm, SUPPORTED_JWS_ALGORITHMS } from './algorithms.js';
import { JwkSetError, type UnusableJwk } from './jwk-set-error.js';
import { checkVerificationJwk } from './verification-jwk.js';
import { importVerificationKey } from './verification-key-import.js';
import { type KeySelector, MAX_KEYS_TRIED } from './verification-key-source.js';

export { importVerificationKey } from './verification-key-import.js';

// RFC 8037's `EdDSA` and RFC 9864's fully specified `Ed25519` both name Ed25519 signatures.
const EDDSA_NAMES: ReadonlySet<string> = new Set(['EdDSA', 'Ed25519']);

/** Limits that keep a hostile or broken JWK set from costing memory or time. */
export const MAX_JWKS_KEYS = 100;

interface IndexedKey {
  readonly jwk: JWK;
  /** How reports name the key: its `kid`, quoted and cut, or its position. */
  readonly label: string;
  /** Set when WebCrypto refused to import the key: it is reported once, and counted out of `size`. */
  importFailed: boolean;
  /** Imported keys, one per algorithm (WebCrypto binds a key to its algorithm). */
  readonly imported: Map<string, Promise<CryptoKey | undefined>>;
  /** The same keys once imported (`undefined` for a key that failed), read without waiting. */
  readonly ready: Map<string, CryptoKey | undefined>;
}

/** Options of {@link JwkIndex}. */
export interface JwkIndexOptions {
  /** Whether shared secrets (`oct`) may verify: in configuration, never in a set fetched from a URL. */
  readonly allowSymmetric: boolean;
  /**
   * Told when a key that passed the checks still fails to import (a runtime without the algorithm, such
   * as Ed25519): the key is then listed in `unusable` and counted out of `size`, as a broken key.
   */
  readonly onImportFailure?: ((key: UnusableJwk) => void) | undefined;
}

/**
 * The verification keys of one JWK set, indexed by `kid`, imported lazily and once per algorithm.
 * Every key is checked once, when the set arrives ({@link checkVerificationJwk}): keys meant for something
 * else (encryption, another curve) are left out quietly, broken ones are left out and listed in
 * `unusable`. Only the key material of a key is imported ({@link importVerificationKey}), so that no
 * member already judged (`key_ops`, `ext`) can fail the import; a key that fails it all the same joins
 * `unusable` and `onImportFailure` is told.
 *
 * A set that is ambiguous is refused as a whole ({@link JwkSetError} `ERR_RS_JWKS_AMBIGUOUS`), never half
 * used:
 * - two verification keys under one `kid` that could both verify one algorithm (which key the issuer
 *   meant cannot be told, and a key slipped in beside the real one would verify);
 * - shared secrets (`oct`) beside public keys: a set is either the issuer's public keys or a secret.
 */
export class JwkIndex {
  readonly hasSymmetricKeys: boolean;
  private readonly broken: UnusableJwk[] = [];
  private readonly onImportFailure: ((key: UnusableJwk) => void) | undefined;
  private importFailures = 0;
  private readonly byKid = new Map<string, IndexedKey[]>();
  private readonly all: IndexedKey[] = [];
  /** For tokens without `kid`: per algorithm, the fitting keys best first, at most {@link MAX_KEYS_TRIED}. */
  private readonly withoutKid = new Map<string, readonly IndexedKey[]>();
  /**
   * {@link readyKeysFor}'s answers once every fitting key is imported, which no later import changes: per
   * selector object, as a verifier remembers one header object for every token that carries it.
   */
  private readonly readyBySelector = new WeakMap<KeySelector, readonly CryptoKey[]>();

  constructor(jwks: unknown, options: JwkIndexOptions) {
    if (!isObject(jwks) || !Array.isArray(jwks.keys))
      throw new JwkSetError('ERR_RS_JWKS_MALFORMED', 'a JWK set must be an object with a "keys" array');
    if (jwks.keys.length > MAX_JWKS_KEYS)
      throw new JwkSetError('ERR_RS_JWKS_MALFORMED', `a JWK set may hold at most ${MAX_JWKS_KEYS} keys`);
    let symmetric = false;
    jwks.keys.forEach((candidate: unknown, position: number) => {
      const check = checkVerificationJwk(candidate, options);
      const label = labelOf(candidate, position);
      if (!check.usable) {
        if (check.broken) this.broken.push({ key: label, reason: check.reason });
        return;
      }
      const jwk = candidate as JWK;
      const entry: IndexedKey = { jwk, label, importFailed: false, imported: new Map(), ready: new Map() };
      this.all.push(entry);
      if (jwk.kty === 'oct') symmetric = true;
      if (jwk.kid !== undefined) {
        const list = this.byKid.get(jwk.kid);
        if (list === undefined) this.byKid.set(jwk.kid, [entry]);
        else list.push(entry);
      }
    });
    if (symmetric && this.all.some((entry) => entry.jwk.kty !== 'oct'))
      throw new JwkSetError(
        'ERR_RS_JWKS_AMBIGUOUS',
        'a JWK set must not mix shared secrets ("oct") with public keys',
      );
    for (const [kid, entries] of this.byKid) {
      const shared =
        entries.length > 1 && [...SUPPORTED_JWS_ALGORITHMS].find((alg) => fitsMany(entries, alg));
      if (shared)
        throw new JwkSetError(
          'ERR_RS_JWKS_AMBIGUOUS',
          `two keys carry the kid ${kidLabel(kid, 0)} and both fit ${shared}: kids must be unique`,
        );
    }
    this.hasSymmetricKeys = symmetric;
    this.onImportFailure = options.onImportFailure;
  }

  /** How many keys of the set can verify: those checked usable, less any WebCrypto refused to import. */
  get size(): number {
    return this.all.length - this.importFailures;
  }

  /** The broken keys that were left out, for the operator to hear about. */
  get unusable(): readonly UnusableJwk[] {
    // A copy: a key that fails its import later joins the list, and a report made before must not change.
    return [...this.broken];
  }

  /** The supported JWS algorithms some key of the set fits. */
  algorithmsServed(): ReadonlySet<string> {
    return new Set(
      [...SUPPORTED_JWS_ALGORITHMS].filter((alg) => this.all.some((entry) => fits(entry.jwk, alg))),
    );
  }

  /** Whether any key carries this `kid`. */
  hasKid(kid: string): boolean {
    return this.byKid.has(kid);
  }

  /**
   * Whether some key could answer the selector without importing anything: one with its `kid` (or, for
   * a token without `kid`, any key) whose type and `alg` fit the algorithm. Decides whether a request
   * may be answered from these keys or needs a fresher set.
   */
  hasKeyFor(selector: KeySelector): boolean {
    return this.entriesFor(selector).some((entry) => fits(entry.jwk, selector.alg));
  }

  /**
   * The keys that fit the selector: by `kid` when the header has one, else the best few that fit `alg`
   * (see {@link MAX_KEYS_TRIED}).
   */
  async keysFor(selector: KeySelector): Promise<CryptoKey[]> {
    const keys: CryptoKey[] = [];
    for (const entry of this.entriesFor(selector)) {
      if (!fits(entry.jwk, selector.alg)) continue;
      // Once imported, a key is taken as it is: no await, and so no trip through the microtask queue.
      const key = entry.ready.has(selector.alg)
        ? entry.ready.get(selector.alg)
        : await this.importFor(entry, selector.alg);
      if (key !== undefined) keys.push(key);
    }
    return keys;
  }

  /**
   * {@link keysFor} without waiting, when every fitting key is already imported (the steady state);
   * `undefined` when one still has to be imported.
   */
  readyKeysFor(selector: KeySelector): readonly CryptoKey[] | undefined {
    const known = this.readyBySelector.get(selector);
    if (known !== undefined) return known;
    const keys: CryptoKey[] = [];
    for (const entry of this.entriesFor(selector)) {
      if (!fits(entry.jwk, selector.alg)) continue;
      if (!entry.ready.has(selector.alg)) return undefined;
      const key = entry.ready.get(selector.alg);
      if (key !== undefined) keys.push(key);
    }
    const answer = Object.freeze(keys);
    this.readyBySelector.set(selector, answer);
    return answer;
  }

  private importFor(entry: IndexedKey, alg: string): Promise<CryptoKey | undefined> {
    let pending = entry.imported.get(alg);
    if (pending === undefined) {
      // Keys were checked when the set arrived; one that still fails to import is unusable, not fatal.
      pending = importVerificationKey(entry.jwk, alg).then(
        (key) => {
          entry.ready.set(alg, key);
          return key;
        },
        () => {
          entry.ready.set(alg, undefined);
          this.importFailedFor(entry, alg);
          return undefined;
        },
      );
      entry.imported.set(alg, pending);
    }
    return pending;
  }

  /**
   * A key the checks let through and WebCrypto still refused: reported once, as a broken key. Its error
   * is not repeated (it could quote the key); the runtime's support for the algorithm is the usual cause.
   */
  private importFailedFor(entry: IndexedKey, alg: string): void {
    if (entry.importFailed) return;
    entry.importFailed = true;
    this.importFailures++;
    const unusable = { key: entry.label, reason: `this runtime could not import it for ${alg}` };
    this.broken.push(unusable);
    try {
      this.onImportFailure?.(unusable);
    } catch {
      // A throwing hook must not turn a refused key into a failed request.
    }
  }

  private entriesFor(selector: KeySelector): readonly IndexedKey[] {
    return selector.kid === undefined ? this.rankedFor(selector.alg) : (this.byKid.get(selector.kid) ?? []);
  }

  // A key that names the algorithm is the issuer's own statement; `use: "sig"` is the next best hint.
  private rankedFor(alg: string): readonly IndexedKey[] {
    let ranked = this.withoutKid.get(alg);
    if (ranked === undefined) {
      const rank = (entry: IndexedKey) => (entry.jwk.alg === alg ? 0 : entry.jwk.use === 'sig' ? 1 : 2);
      ranked = this.all
        .filter((entry) => fits(entry.jwk, alg))
        .sort((a, b) => rank(a) - rank(b))
        .slice(0, MAX_KEYS_TRIED);
      this.withoutKid.set(alg, ranked);
    }
    return ranked;
  }
}

function labelOf(candidate: unknown, position: number): string {
  return kidLabel(isObject(candidate) ? candidate.kid : undefined, position);
}

function fitsMany(entries: readonly IndexedKey[], alg: string): boolean {
  return entries.filter((entry) => fits(entry.jwk, alg)).length > 1;
}

function fits(jwk: JWK, alg: string): boolean {
  if (jwk.alg !== undefined && jwk.alg !== alg && !(EDDSA_NAMES.has(jwk.alg) && EDDSA_NAMES.has(alg)))
    return false;
  if (!keyTypeFitsAlgorithm(jwk.kty, jwk.crv, alg)) return false;
  if (jwk.kty === 'oct') {
    const length = base64urlLength(jwk.k ?? '');
    return length >= (HMAC_MIN_BYTES[alg] ?? Number.POSITIVE_INFINITY);
  }
  return true;
}

function base64urlLength(value: string): number {
  try {
    return base64url.decode(value).byteLength;
  } catch {
    return 0;
  }
}
