import { base64url } from 'jose';
import { nodeCompatibleBuiltin } from '../node-builtin.js';

const encoder = new TextEncoder();

/** The part of `node:crypto` used here, typed structurally so that core does not depend on Node. */
interface NodeCrypto {
  /** One-shot digest (Node 20.12+): about twice as fast as createHash for a token-sized input. */
  hash?(algorithm: 'sha256', data: string, outputEncoding: 'base64url'): string;
  createHash(algorithm: 'sha256'): {
    update(data: string, encoding: 'utf8'): { digest(encoding: 'base64url'): string };
  };
}

// On Node (20.16+), and on Bun and Deno, which offer its modules, hash synchronously: about 1 µs on Node.
// WebCrypto's digest is asynchronous and, on Node, a round trip through the libuv thread pool (about
// 30 µs), which would be most of a cache hit's cost. Workers and older Node use WebCrypto. Both give the
// same digest.
const nodeSha256: ((text: string) => string) | undefined = (() => {
  const crypto = nodeCompatibleBuiltin('node:crypto') as NodeCrypto | undefined;
  if (typeof crypto?.createHash !== 'function') return undefined;
  const { hash } = crypto;
  if (typeof hash === 'function') return (text) => hash('sha256', text, 'base64url');
  return (text) => crypto.createHash('sha256').update(text, 'utf8').digest('base64url');
})();

/**
 * The base64url SHA-256 of `text`, synchronously, where the runtime allows (Node): for callers on the hot
 * path that must not wait for WebCrypto. `undefined` elsewhere.
 */
export const sha256DigestSync: ((text: string) => string) | undefined = nodeSha256;

/**
 * The base64url SHA-256 of `text` (UTF-8): the cache key of a token, the DPoP `ath`, a cache namespace.
 * Node's `node:crypto` when the runtime has it, else WebCrypto (`globalThis.crypto`: Bun, Deno, Workers).
 */
export async function sha256Digest(text: string): Promise<string> {
  if (nodeSha256 !== undefined) return nodeSha256(text);
  const digest = await crypto.subtle.digest('SHA-256', encoder.encode(text));
  return base64url.encode(new Uint8Array(digest));
}
