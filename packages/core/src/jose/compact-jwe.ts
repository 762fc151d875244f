import { compactDecrypt } from 'jose';
// Each class by name: the `errors` namespace would bring every jose error class into a Worker bundle.
import { JOSEAlgNotAllowed, JOSENotSupported, JWEInvalid } from 'jose/errors';
import { endsCanonically } from '../encoding/base64url.js';
import { decodeJsonSegment } from '../encoding/json-object.js';
import { type Failure, failure, type Outcome, refusal, success } from '../errors/failure.js';
import { MAX_PBES2_COUNT } from '../keys/jwe-algorithms.js';
import { MAX_KEYS_TRIED } from '../keys/verification-key-source.js';

/** The protected header of a compact JWE, decoded but not yet trusted. */
export interface UntrustedJweHeader {
  /** Key-management algorithm. */
  readonly alg: string;
  /** Content-encryption algorithm. */
  readonly enc: string;
  readonly kid: string | undefined;
  readonly typ: string | undefined;
  /** `JWT` when the plaintext is itself a JWT (a nested token). */
  readonly cty: string | undefined;
  readonly zip: string | undefined;
  readonly raw: Readonly<Record<string, unknown>>;
}

/** What a compact JWE may use: checked on the header before any key is touched. */
export interface JwePolicy {
  readonly keyManagementAlgorithms: ReadonlySet<string>;
  readonly contentEncryptionAlgorithms: ReadonlySet<string>;
  /** Largest plaintext `zip: "DEF"` may inflate to, in bytes; `0` refuses compressed tokens. */
  readonly maxDecompressedBytes: number;
}

const MAX_HEADER_CHARS = 4096;
const STRING_MEMBERS = ['kid', 'typ', 'cty', 'zip'] as const;

/**
 * A compact JWE spelled in base64url only: five segments of the 64 URL-safe characters separated by
 * dots, the protected header not empty; the encrypted key is empty under `dir` and ECDH-ES (an empty IV
 * or tag is left to jose, which refuses it). No padding, white space or other alphabet, as for a JWS
 * (`COMPACT_JWS_ALPHABET`): jose decodes with `atob`, which tolerates all of these.
 */
const COMPACT_JWE_ALPHABET = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]*){4}$/;

/**
 * Whether `token` is a compact JWE in its one canonical spelling (RFC 7516 §2 and §7.1, RFC 7515 §2):
 * five segments of the base64url alphabet, each ending canonically ({@link endsCanonically}: no
 * dangling character, no spare bit set). Otherwise one token would travel under many spellings, each
 * decrypting alike: another cache entry, another token that `revoke({ by: 'token' })` does not name.
 */
export function isCanonicalCompactJwe(token: string): boolean {
  if (!COMPACT_JWE_ALPHABET.test(token)) return false;
  let start = 0;
  for (let end = token.indexOf('.'); end !== -1; end = token.indexOf('.', start)) {
    if (!endsCanonically(token, start, end)) return false;
    start = end + 1;
  }
  return endsCanonically(token, start, token.length);
}

const NOT_CANONICAL = 'The encrypted token is not canonical base64url';

/**
 * Decodes the header of a five-part compact JWE and applies the policy's allow-lists, so that a token
 * naming a refused algorithm (`RSA1_5`, PBES2, anything unknown), carrying `crit`
 * ({@link criticalHeaderFailure}) or asking for more than {@link MAX_PBES2_COUNT} PBES2 iterations costs
 * no key lookup and no crypto. A
 * token that is not five canonical base64url segments ({@link isCanonicalCompactJwe}) is refused first,
 * `token_malformed` as a JWS in another spelling is.
 */
export function decodeJweHeader(token: string, policy: JwePolicy): Outcome<UntrustedJweHeader> {
  const firstDot = token.indexOf('.');
  if (firstDot <= 0) return refusal('token_malformed', 'The encrypted token is malformed');
  if (firstDot > MAX_HEADER_CHARS)
    return refusal('token_malformed', 'The encrypted token header is too large');
  if (!isCanonicalCompactJwe(token)) return refusal('token_malformed', NOT_CANONICAL);
  const raw = decodeJsonSegment(token.slice(0, firstDot));
  if (raw === undefined || typeof raw.alg !== 'string' || typeof raw.enc !== 'string') {
    return refusal('token_malformed', 'The encrypted token header is not valid');
  }
  for (const member of STRING_MEMBERS) {
    if (raw[member] !== undefined && typeof raw[member] !== 'string') {
      return refusal('token_malformed', `The encrypted token header "${member}" is not a string`);
    }
  }
  if (!policy.keyManagementAlgorithms.has(raw.alg)) {
    return refusal('algorithm_not_allowed', 'The token key-management algorithm is not allowed');
  }
  if (!policy.contentEncryptionAlgorithms.has(raw.enc)) {
    return refusal('algorithm_not_allowed', 'The token content-encryption algorithm is not allowed');
  }
  // jose knows only DEFLATE; "NONE" (which some servers write) is refused by it too, so say so plainly.
  if (raw.zip !== undefined && (raw.zip !== 'DEF' || policy.maxDecompressedBytes === 0)) {
    return refusal('token_unsupported', 'The encrypted token uses an unsupported compression');
  }
  if (raw.crit !== undefined) return { ok: false, failure: criticalHeaderFailure(raw.crit) };
  // jose checks the count too, but only once a key is at hand, and for each key tried.
  if (raw.alg.startsWith('PBES2') && typeof raw.p2c === 'number' && raw.p2c > MAX_PBES2_COUNT) {
    return refusal('token_unsupported', 'The encrypted token asks for more PBES2 iterations than allowed');
  }
  return success({
    alg: raw.alg,
    enc: raw.enc,
    kid: raw.kid as string | undefined,
    typ: raw.typ as string | undefined,
    cty: raw.cty as string | undefined,
    zip: raw.zip as string | undefined,
    raw,
  });
}

/**
 * RFC 7516 §4.1.13: every extension named in `crit` must be understood, and no JWE extension is, so any
 * `crit` refuses the token before a key is looked up: a malformed list (not an array of names, or empty)
 * as malformed, a list of names as unsupported, as on a signed token (`compact-jws.ts`). Left to jose,
 * a malformed list was tried against every key and answered `decryption_failed`.
 */
function criticalHeaderFailure(crit: unknown): Failure {
  const wellFormed =
    Array.isArray(crit) &&
    crit.length > 0 &&
    crit.every((name) => typeof name === 'string' && name.length > 0);
  return wellFormed
    ? failure('critical_header_unsupported', 'The encrypted token has an unsupported critical header')
    : failure('token_malformed', 'The encrypted token header "crit" is not valid');
}

/**
 * Decrypts a compact JWE with the first of `keys` that opens it, trying at most {@link MAX_KEYS_TRIED}
 * of them (the best first: sources rank their keys), so that a forged token, above all one without
 * `kid`, cannot make the server try every key it holds. A key that does not open it (wrong key, tampered
 * ciphertext or tag: indistinguishable by design) is skipped. A token not in its canonical spelling
 * ({@link isCanonicalCompactJwe}) is refused before jose sees it. Decompression, capped by the policy,
 * happens only once the ciphertext is authenticated; going past the cap stops the inflation there and
 * refuses the token.
 */
export async function decryptCompactJwe(
  token: string,
  keys: readonly (CryptoKey | Uint8Array)[],
  policy: JwePolicy,
): Promise<Outcome<Uint8Array>> {
  const options = {
    keyManagementAlgorithms: [...policy.keyManagementAlgorithms],
    contentEncryptionAlgorithms: [...policy.contentEncryptionAlgorithms],
    maxDecompressedLength: policy.maxDecompressedBytes,
    maxPBES2Count: MAX_PBES2_COUNT,
  };
  if (!isCanonicalCompactJwe(token)) return refusal('token_malformed', NOT_CANONICAL);
  const tried = Math.min(keys.length, MAX_KEYS_TRIED);
  for (let i = 0; i < tried; i++) {
    try {
      const { plaintext } = await compactDecrypt(token, keys[i]!, options);
      return success(plaintext);
    } catch (error) {
      const final = finalFailure(error);
      if (final !== undefined) return { ok: false, failure: final };
      // Anything else means "not this key" (wrong key, key of another type or size): try the next one.
    }
  }
  return decryptionFailure();
}

/**
 * The one answer to every token no key opens, whatever the reason (wrong key, tampered segment, a key
 * management input made for another key): a forger learns nothing from how a token failed.
 */
export function decryptionFailure<T = never>(): Outcome<T> {
  return refusal('decryption_failed', 'The encrypted token could not be decrypted');
}

/** Failures that no other key could change: the ciphertext was authentic, or the token breaks the rules. */
function finalFailure(error: unknown): Failure | undefined {
  if (error instanceof JWEInvalid) {
    if (/exceeded the configured limit/.test(error.message)) {
      return failure('token_too_large', 'The encrypted token inflates beyond the allowed size');
    }
    if (/decompress/i.test(error.message)) {
      return failure('token_malformed', 'The encrypted token content cannot be inflated');
    }
    return undefined;
  }
  if (error instanceof JOSEAlgNotAllowed) {
    return failure('algorithm_not_allowed', 'The token encryption algorithm is not allowed');
  }
  if (error instanceof JOSENotSupported && /crit|Extension Header/i.test(error.message)) {
    return failure('critical_header_unsupported', 'The encrypted token has an unsupported critical header');
  }
  return undefined;
}
