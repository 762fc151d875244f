import { sha256Digest } from './sha256-digest.js';

/**
 * The cache key of a token: base64url SHA-256 of it, so that no cache, log line or shared store ever
 * holds a token that could be replayed.
 */
export function tokenHash(token: string): Promise<string> {
  return sha256Digest(token);
}

/** The DPoP `ath` of an access token (RFC 9449 section 4.2): base64url SHA-256 of its ASCII bytes. */
export function accessTokenHash(token: string): Promise<string> {
  return sha256Digest(token);
}
