/**
 * Whether `text[start, end)` is canonical unpadded base64url (RFC 7515 §2): only the 64 URL-safe
 * characters, no padding, no length that leaves a dangling character, and zero bits where the last
 * character carries more bits than the data needs. Decoders tolerate all of these (`atob` skips
 * whitespace and ignores stray bits, `Buffer` skips unknown characters), which would let one signature
 * travel under many spellings; a JWS gets one.
 */
export function isCanonicalBase64url(text: string, start: number, end: number): boolean {
  const remainder = (end - start) % 4;
  if (remainder === 1) return false;
  // Comparisons rather than a lookup table: V8 compiles this loop to a few instructions per character.
  for (let i = start; i < end; i++) {
    const code = text.charCodeAt(i);
    if (
      !(
        (code >= 97 && code <= 122) ||
        (code >= 65 && code <= 90) ||
        (code >= 48 && code <= 57) ||
        code === 45 ||
        code === 95
      )
    )
      return false;
  }
  if (remainder === 0) return true;
  // 2 characters carry 8 data bits (4 spare), 3 carry 16 (2 spare): the spare bits must be zero.
  return (sextet(text.charCodeAt(end - 1)) & (remainder === 2 ? 0x0f : 0x03)) === 0;
}

function sextet(code: number): number {
  if (code >= 97) return code - 71; // a-z: 26..51
  if (code >= 65) return code - 65; // A-Z: 0..25
  if (code >= 48) return code + 4; // 0-9: 52..61
  return code === 45 ? 62 : 63; // '-', '_'
}
