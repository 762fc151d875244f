import { compactDecrypt } from 'jose';
// Each class by name: the `errors` namespace would bring every jose error class into a Worker bundle.
import { JOSEAlgNotAllowed, JOSENotSupported, JWEInvalid } from 'jose/errors';
import { decodeJsonSegment } from '../encoding/json-object.js';
import { type Failure, failure, type Outcome, refusal, success } from '../errors/failure.js';

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
 * Decodes the header of a five-part compact JWE and applies the policy's allow-lists, so that a token
 * naming a refused algorithm (`RSA1_5`, PBES2, anything unknown) costs no key lookup and no crypto.
 */
export function decodeJweHeader(token: string, policy: JwePolicy): Outcome<UntrustedJweHeader> {
  const firstDot = token.indexOf('.');
  if (firstDot <= 0) return refusal('token_malformed', 'The encrypted token is malformed');
  if (firstDot > MAX_HEADER_CHARS)
    return refusal('token_malformed', 'The encrypted token header is too large');
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
 * Decrypts a compact JWE with the first of `keys` that opens it. A key that does not open it (wrong key,
 * tampered ciphertext or tag: indistinguishable by design) is skipped. Decompression, capped by the
 * policy, happens only once the ciphertext is authenticated; going past the cap stops the inflation
 * there and refuses the token.
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
  };
  for (const key of keys) {
    try {
      const { plaintext } = await compactDecrypt(token, key, options);
      return success(plaintext);
    } catch (error) {
      const final = finalFailure(error);
      if (final !== undefined) return { ok: false, failure: final };
      // Anything else means "not this key" (wrong key, key of another type or size): try the next one.
    }
  }
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
