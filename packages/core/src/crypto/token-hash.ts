import { sha256Digest, sha256DigestSync } from './sha256-digest.js';

/**
 * The cache key of a token: base64url SHA-256 of it, so that no cache, log line or shared store ever
 * holds a token that could be replayed.
 */
export function tokenHash(token: string): Promise<string> {
  return sha256Digest(token);
}

/**
 * The SHA-256 of a token, synchronously, where the runtime allows (Node): for callers on the hot path
 * that must not wait for WebCrypto. `undefined` elsewhere.
 */
export const tokenHashSync: ((token: string) => string) | undefined = sha256DigestSync;

/** The DPoP `ath` of an access token (RFC 9449 section 4.2): base64url SHA-256 of its ASCII bytes. */
export function accessTokenHash(token: string): Promise<string> {
  return sha256Digest(token);
}
