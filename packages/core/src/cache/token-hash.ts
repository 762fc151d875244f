import { base64url } from 'jose';

const encoder = new TextEncoder();

/**
 * The cache key of a token: base64url SHA-256 of it, so that no cache, log line or shared store ever
 * holds a token that could be replayed.
 */
export async function tokenHash(token: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(token));
  return base64url.encode(new Uint8Array(digest));
}
