import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';

/** A key of a JWK set that was left out because it is broken, and why. */
export interface UnusableJwk {
  /** `"kid"` (quoted, cut at 64 characters), or `#position` for a key without one. */
  readonly key: string;
  /** Why it was left out, for error messages. */
  readonly reason: string;
}

/**
 * What went wrong with a JWK set, by stable `code`:
 * - `ERR_RS_JWKS_STATUS`: the JWK set URL answered another status than 200 (in `status`);
 * - `ERR_RS_JWKS_MALFORMED`: the answer is not UTF-8, not JSON, not a JWK set, or holds more than 100 keys;
 * - `ERR_RS_JWKS_NO_USABLE_KEY`: not one key of the set can verify signatures (the last good keys stay);
 * - `ERR_RS_JWKS_AMBIGUOUS`: two keys under one `kid` fit one algorithm, or secrets are mixed with public keys;
 * - `ERR_RS_JWKS_KEYS_LEFT_OUT`: the set is in use, but the broken keys in `unusableKeys` were left out.
 *
 * Fetch failures of the exchange itself (timeout, network, too large) are `HttpClientError`s.
 */
export class JwkSetError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/JwkSetError';
  override name = 'JwkSetError';
  declare readonly code:
    | 'ERR_RS_JWKS_STATUS'
    | 'ERR_RS_JWKS_MALFORMED'
    | 'ERR_RS_JWKS_NO_USABLE_KEY'
    | 'ERR_RS_JWKS_AMBIGUOUS'
    | 'ERR_RS_JWKS_KEYS_LEFT_OUT';
  /** The broken keys that were left out, with the reason for each. */
  readonly unusableKeys: readonly UnusableJwk[];
  /**
   * For `ERR_RS_JWKS_STATUS`: the status the JWK set URL answered, which tells a wrong URL (404, 401, a
   * permanent redirect) from an outage that passes (5xx, 429).
   */
  readonly status: number | undefined;

  constructor(
    code: JwkSetError['code'],
    message: string,
    unusableKeys: readonly UnusableJwk[] = [],
    status?: number,
  ) {
    super(code, message);
    this.unusableKeys = unusableKeys;
    this.status = status;
  }
}
