/**
 * A compact JWS spelled in base64url only: three segments of the 64 URL-safe characters, separated by
 * dots, the header not empty. No padding, whitespace or other alphabet: decoders tolerate all of these
 * (`atob` skips whitespace, `Buffer` skips unknown characters), which would let one token travel under
 * many spellings. A regular expression rather than a loop over `charCodeAt`: V8 scans the string in
 * native code, where a JavaScript loop over a sliced string (as tokens cut from a header are) costs
 * several microseconds per kilobyte.
 */
export const COMPACT_JWS_ALPHABET = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*$/;

/**
 * Whether the base64url characters `text[start, end)` (already checked against the alphabet) end
 * canonically (RFC 7515 §2, RFC 4648 §3.5): no length that leaves a dangling character, and zero bits
 * where the last character carries more bits than the data needs.
 */
export function endsCanonically(text: string, start: number, end: number): boolean {
  const remainder = (end - start) % 4;
  if (remainder === 0) return true;
  if (remainder === 1) return false;
  // 2 characters carry 8 data bits (4 spare), 3 carry 16 (2 spare): the spare bits must be zero.
  return (sextet(text.charCodeAt(end - 1)) & (remainder === 2 ? 0x0f : 0x03)) === 0;
}

function sextet(code: number): number {
  if (code >= 97) return code - 71; // a-z: 26..51
  if (code >= 65) return code - 65; // A-Z: 0..25
  if (code >= 48) return code + 4; // 0-9: 52..61
  return code === 45 ? 62 : 63; // '-', '_'
}
