import { requireOption } from '../config/config-error.js';
import { anyValue, checkOptions, nonEmptyString, type OptionSchema } from '../config/option-schema.js';
import { tokenHash } from '../crypto/token-hash.js';
import type { TokenInfo } from '../token-info.js';
import { signingInputOf } from './signing-input.js';

/** What a revocation names: one token, or every token carrying a claim value. */
export type RevocationTarget = 'token' | 'jti' | 'sub' | 'client' | 'sid';

/**
 * A revocation: every cached answer for the tokens it names is dropped, on every instance that shares
 * the revocations, and (for {@link RevocationList.revoke}) tokens it names that were issued before it are
 * refused by the JWT resolvers that use the list.
 *
 * - `token`: the access token itself (hashed at once, never kept or sent anywhere);
 * - `jti`: the token's `jti`; `sub`: its subject; `client`: its client (`client_id`, else `azp`, else
 *   Okta's `cid` or Microsoft Entra ID's v1.0 `appid`, else the `aud` of an Access Management
 *   client-based token); `sid`: its session.
 */
export interface Revocation {
  /** What it names the tokens by: the token itself, or one of their claims. */
  readonly by: RevocationTarget;
  /** The token, or the claim value (`jti`, subject, client or session) the tokens carry. */
  readonly value: string;
  /**
   * Only tokens of this issuer. Cached answers are dropped whatever their issuer (dropping one more
   * answer only costs a new check); the "revoked before" marker applies to this issuer's tokens only:
   * those stating it exactly, and, among the answers a `tokenCache` holds, those stating another spelling
   * given with it to the `introspectionResolver` that cache wraps (`issuer: ['https://as.example.com',
   * 'https://as.example.com/']`). Compared as resolvers compare `iss`: exactly, with no other
   * normalization.
   */
  readonly issuer?: string | undefined;
  /**
   * When the revocation took effect on the authorization server's clock, in milliseconds since the
   * epoch (a Security Event Token's `iat`, which the receiver passes). Tokens are refused when issued at
   * or before the later of this and the list's own clock: an authorization server whose clock runs ahead
   * of this one's stamps the tokens it issued just before the revocation with an `iat` after the list's
   * time. At most 5 minutes ahead of the list's clock (the most clock difference any check here
   * tolerates); ignored by evictions, which refuse nothing.
   */
  readonly issuedBefore?: number | undefined;
}

/**
 * A {@link Revocation} as it travels between instances: a `token` is its SHA-256 (base64url), and
 * `revokedAt` (ms since the epoch) is set when tokens issued before it must be refused, not only evicted.
 */
export interface SharedRevocation {
  /** What it names the tokens by, as in {@link Revocation.by}. */
  readonly by: RevocationTarget;
  /** For `token`, the token's SHA-256 (base64url), as {@link tokenHash} computes it. */
  readonly value: string;
  /**
   * For a `token` in compact JWS form, the SHA-256 (base64url) of its signing input (`header.payload`):
   * JWT resolvers refuse by it, so that the same claims under another valid signature, or inside a JWE,
   * stay refused (see {@link signingInputOf}).
   */
  readonly signingInputHash?: string | undefined;
  /** Only tokens of this issuer, as in {@link Revocation.issuer}. */
  readonly issuer?: string | undefined;
  /** Set for a revocation; absent for an eviction (claims changed: re-read them, refuse nothing). */
  readonly revokedAt?: number | undefined;
}

/** Longest value a revocation may name: claim values, not documents. */
export const MAX_REVOCATION_VALUE_LENGTH = 1_024;

const TARGETS: ReadonlySet<string> = new Set<RevocationTarget>(['token', 'jti', 'sub', 'client', 'sid']);

/**
 * The keys of a {@link Revocation}: any other is refused, for a misspelled `issuer` (`iss`) would be
 * ignored and the revocation would reach the tokens of every issuer. `by` and `value` are required, and
 * checked below with messages that say so.
 */
const REVOCATION_KEYS: OptionSchema<Revocation> = {
  by: anyValue,
  value: anyValue,
  issuer: nonEmptyString,
  issuedBefore: anyValue,
};

/** How far ahead of the list's clock `issuedBefore` may lie: the widest clock skew any check tolerates. */
export const MAX_ISSUED_BEFORE_LEAD_MS = 300_000;

/**
 * Checks a revocation given by the application, and hashes a token so that it is never kept. Throws
 * `RsConfigError` naming `option` (`revocationList.revoke.issuer`) for a key it does not know or a value
 * of the wrong type: a mistake in the code that revokes, surfacing at its first call.
 */
export async function sharedRevocation(
  revocation: Revocation,
  revokedAt: number | undefined,
  option: string,
): Promise<SharedRevocation> {
  checkOptions(revocation, REVOCATION_KEYS, option);
  requireOption(TARGETS.has(revocation.by), `${option}.by`, 'must be one of token, jti, sub, client, sid');
  const { by, value, issuer } = revocation;
  requireOption(
    typeof value === 'string' &&
      value.length > 0 &&
      (by === 'token' || value.length <= MAX_REVOCATION_VALUE_LENGTH),
    `${option}.value`,
    `must be a non-empty string (at most ${MAX_REVOCATION_VALUE_LENGTH} characters)`,
  );
  const { issuedBefore } = revocation;
  requireOption(
    issuedBefore === undefined ||
      (typeof issuedBefore === 'number' &&
        Number.isFinite(issuedBefore) &&
        (revokedAt === undefined || issuedBefore <= revokedAt + MAX_ISSUED_BEFORE_LEAD_MS)),
    `${option}.issuedBefore`,
    'must be a time in milliseconds since the epoch, at most 5 minutes ahead of the clock',
  );
  // The later time refuses more: tokens stamped by a clock ahead of this one's before the revocation.
  const refusedThrough =
    revokedAt === undefined || issuedBefore === undefined ? revokedAt : Math.max(revokedAt, issuedBefore);
  const signingInput = by === 'token' ? signingInputOf(value) : undefined;
  return {
    by,
    value: by === 'token' ? await tokenHash(value) : value,
    ...(signingInput === undefined ? {} : { signingInputHash: await tokenHash(signingInput) }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(refusedThrough === undefined ? {} : { revokedAt: refusedThrough }),
  };
}

/**
 * The label under which caches index an answer for revocation by claim: `<target>:<value>`. Tokens are
 * not labelled: they are found by their cache key.
 */
export function revocationLabel(by: Exclude<RevocationTarget, 'token'>, value: string): string {
  return `${by}:${value}`;
}

/**
 * The labels of a token: one per claim a revocation may name (`jti`, `sub`, the client, `sid`).
 * A cache indexes its entries under them, so that it finds every answer a revocation names.
 */
export function revocationLabels(info: TokenInfo): string[] {
  const labels: string[] = [];
  if (info.tokenId !== undefined) labels.push(revocationLabel('jti', info.tokenId));
  if (info.subject !== undefined) labels.push(revocationLabel('sub', info.subject));
  if (info.clientId !== undefined) labels.push(revocationLabel('client', info.clientId));
  const sid = info.claims.sid;
  if (typeof sid === 'string') labels.push(revocationLabel('sid', sid));
  return labels;
}

/** The claim value of `info` that a revocation `by` names. */
export function claimNamedBy(info: TokenInfo, by: Exclude<RevocationTarget, 'token'>): string | undefined {
  switch (by) {
    case 'jti':
      return info.tokenId;
    case 'sub':
      return info.subject;
    case 'client':
      return info.clientId;
    case 'sid': {
      const sid = info.claims.sid;
      return typeof sid === 'string' ? sid : undefined;
    }
  }
}
