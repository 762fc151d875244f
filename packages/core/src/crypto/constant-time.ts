const encoder = new TextEncoder();

/**
 * Compares two byte arrays in time that depends only on their length, never on where they differ, so
 * that a thumbprint or hash cannot be guessed byte by byte from response times. Lengths are public (a
 * SHA-256 digest is always 32 bytes), so unequal lengths return at once.
 */
export function timingSafeEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i++) difference |= a[i]! ^ b[i]!;
  return difference === 0;
}

/** {@link timingSafeEqual} over the UTF-8 bytes of two strings (base64url thumbprints). */
export function timingSafeEqualStrings(a: string, b: string): boolean {
  return timingSafeEqual(encoder.encode(a), encoder.encode(b));
}
