import { base64url } from 'jose';

const encoder = new TextEncoder();

/**
 * The base64url SHA-256 of `text` (UTF-8), by WebCrypto (`globalThis.crypto`: Node 20+, Bun, Deno,
 * Workers). Asynchronous: for digests computed once, not on every request.
 */
export async function sha256Digest(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return base64url.encode(new Uint8Array(digest));
}
