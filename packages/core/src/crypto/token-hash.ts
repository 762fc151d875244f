import { base64url } from 'jose';

const encoder = new TextEncoder();

/** The part of `node:crypto` used here, typed structurally so that core does not depend on Node. */
interface NodeCrypto {
  createHash(algorithm: 'sha256'): {
    update(data: string, encoding: 'utf8'): { digest(encoding: 'base64url'): string };
  };
}

// On Node (20.16+), hash synchronously: about 1 µs. WebCrypto's digest is asynchronous and, on Node, a
// round trip through the libuv thread pool (about 30 µs), which would be most of a cache hit's cost.
// Other runtimes, and older Node, use WebCrypto. Both give the same digest.
const nodeSha256: ((text: string) => string) | undefined = (() => {
  try {
    const runtime = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
    if (typeof runtime?.getBuiltinModule !== 'function') return undefined;
    const crypto = runtime.getBuiltinModule('node:crypto') as NodeCrypto | undefined;
    if (typeof crypto?.createHash !== 'function') return undefined;
    return (text) => crypto.createHash('sha256').update(text, 'utf8').digest('base64url');
  } catch {
    return undefined;
  }
})();

/** Base64url SHA-256 of the UTF-8 bytes of `text`: the cache key of a token and the DPoP `ath`. */
export async function sha256Base64url(text: string): Promise<string> {
  if (nodeSha256 !== undefined) return nodeSha256(text);
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return base64url.encode(new Uint8Array(digest));
}

/**
 * The cache key of a token: base64url SHA-256 of it, so that no cache, log line or shared store ever
 * holds a token that could be replayed.
 */
export function tokenHash(token: string): Promise<string> {
  return sha256Base64url(token);
}

/** The DPoP `ath` of an access token (RFC 9449 section 4.2): base64url SHA-256 of its ASCII bytes. */
export function accessTokenHash(token: string): Promise<string> {
  return sha256Base64url(token);
}
