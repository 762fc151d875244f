import { COMPACT_JWS_ALPHABET } from './base64url.js';

/**
 * A quick proof that a string is spelled as a compact JWS ({@link COMPACT_JWS_ALPHABET}): `true` only
 * when it is; `false` when it is not or when the proof cannot tell, and the regular expression decides.
 */
export type CompactJwsSpellingProof = (value: string) => boolean;

let quickProof: CompactJwsSpellingProof | undefined;

/**
 * Whether `value` is three segments of the base64url alphabet separated by dots, the first not empty:
 * exactly `COMPACT_JWS_ALPHABET.test(value)`. On Node a proof by the native base64url decoder answers
 * for the common case (a well-formed JWT) without the regular expression's scan, a character at a time,
 * the largest cost of extracting a token; anything the proof cannot vouch for is matched as before.
 */
export function isCompactJwsSpelling(value: string): boolean {
  return quickProof?.(value) === true || COMPACT_JWS_ALPHABET.test(value);
}

/** The installed quick proof, for the tests of each entry point; not public API. @internal */
export function compactJwsSpellingProof(): CompactJwsSpellingProof | undefined {
  return quickProof;
}

/**
 * Installs the runtime's quick proof (see {@link isCompactJwsSpelling}). Called once by the Node build
 * of the main entry; not public API.
 *
 * @internal
 */
export function useCompactJwsSpellingProof(proof: CompactJwsSpellingProof | undefined): void {
  quickProof = proof;
}
