import { base64url } from 'jose';
import type { SecretKey } from './secret-store.js';

/** A shared secret as a stored key. */
export function octKey(bytes: Uint8Array, origin: string): SecretKey {
  return { jwk: { kty: 'oct', k: base64url.encode(bytes) }, origin };
}
