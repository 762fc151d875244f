/**
 * The longest pattern whose repetition refuses a shared secret. A secret that repeats a pattern of p
 * bytes throughout is worth no more than those p bytes, however long it is: 32 zero bytes, `'a'.repeat(32)`,
 * `'abab…'` or `'changeme'` over and over are placeholders left in a configuration, and anyone who guesses
 * the pattern signs tokens. Eight bytes is far below the 32 an HMAC secret must have (RFC 7518 §3.2), and
 * a random secret of 32 bytes or more repeats such a pattern with a chance below 2⁻¹⁹⁰: no real secret is
 * refused.
 */
export const MAX_REPEATED_PATTERN_BYTES = 8;

/**
 * What is wrong with a shared secret that is one pattern of at most {@link MAX_REPEATED_PATTERN_BYTES}
 * bytes repeated from its first byte to its last (a last repetition may be cut short), or `undefined`.
 * The message says how long the pattern is, never what it is: a secret is never repeated in a message.
 * Only for secrets of at least twice the pattern's length; shorter ones are refused by their length.
 *
 * @example
 * ```ts
 * repeatedPatternProblem(new Uint8Array(32)); // 'repeats one byte value throughout: ...'
 * repeatedPatternProblem(crypto.getRandomValues(new Uint8Array(32))); // undefined
 * ```
 */
export function repeatedPatternProblem(bytes: Uint8Array): string | undefined {
  const longest = Math.min(MAX_REPEATED_PATTERN_BYTES, Math.floor(bytes.byteLength / 2));
  for (let period = 1; period <= longest; period++) {
    if (!repeatsWithPeriod(bytes, period)) continue;
    return period === 1
      ? 'repeats one byte value throughout: a placeholder, not a secret (generate one: openssl rand -base64 32)'
      : `repeats a pattern of ${period} bytes throughout: it is worth no more than those ${period} bytes, a placeholder, not a secret (generate one: openssl rand -base64 32)`;
  }
  return undefined;
}

function repeatsWithPeriod(bytes: Uint8Array, period: number): boolean {
  for (let index = period; index < bytes.byteLength; index++) {
    if (bytes[index] !== bytes[index - period]) return false;
  }
  return true;
}
