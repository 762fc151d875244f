const strictDecoder = new TextDecoder('utf-8', { fatal: true });

/**
 * Decodes UTF-8 bytes, throwing a `TypeError` on any malformed sequence instead of substituting
 * U+FFFD: bytes that are not UTF-8 are refused, never silently repaired into different text.
 */
export function decodeUtf8(bytes: Uint8Array): string {
  return strictDecoder.decode(bytes);
}
