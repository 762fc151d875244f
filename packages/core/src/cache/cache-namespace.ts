import { base64url } from 'jose';
import { sha256 } from './sha256.js';

/**
 * Something whose answers a token cache may key by a stable identity: resolvers and key sources. Two
 * objects with the same `cacheNamespace` must give the same answer for every token; anything that could
 * change an answer (issuer, audience, keys, profile, limits, …) must change the namespace.
 */
export interface CacheIdentity {
  /**
   * A stable name of what this accepts, the same across processes for the same configuration. Absent
   * when it cannot be told (a custom key source without one): a token cache over a shared store then
   * refuses the resolver at start-up rather than risk serving its answers to another resolver.
   */
  readonly cacheNamespace?: string | undefined;
}

/** Raised inside {@link cacheNamespaceOf} when a part of the description has no identity. */
class Unnamed extends Error {}

/**
 * The namespace of a resolver or key source: `kind` and a base64url SHA-256 of a canonical JSON of
 * `description` (settings, and the namespaces of the objects it draws on). Secrets in the description
 * only enter the digest. `undefined` when some part has no identity: a resolver or key source without
 * `cacheNamespace`, or a WebCrypto key (which cannot be exported).
 *
 * @example
 * ```ts
 * cacheNamespaceOf('remoteJwks', { url: 'https://as.example.com/jwks' }); // 'remoteJwks-7Tq…'
 * ```
 */
export function cacheNamespaceOf(kind: string, description: unknown): string | undefined {
  let canonical: string;
  try {
    canonical = JSON.stringify(describe(description, new WeakSet())) ?? 'null';
  } catch (error) {
    if (error instanceof Unnamed) return undefined;
    throw error;
  }
  return `${kind}-${base64url.encode(sha256(new TextEncoder().encode(`${kind}\n${canonical}`)))}`;
}

/** Plain JSON for `value`, object members sorted, functions left out, identities put in place. */
function describe(value: unknown, seen: WeakSet<object>): unknown {
  if (value === null || typeof value !== 'object') {
    if (typeof value === 'function' || typeof value === 'symbol') return undefined;
    if (typeof value === 'bigint') return value.toString();
    return value;
  }
  // A cycle is not configuration (an HTTP client, a connection): such a value has no stable identity.
  if (seen.has(value)) throw new Unnamed();
  seen.add(value);
  if (Array.isArray(value)) return value.map((member) => describe(member, seen) ?? null);
  if (value instanceof Uint8Array) return { bytes: base64url.encode(value) };
  if (value instanceof URL) return value.href;
  if (value instanceof Set)
    return [...value].map((member) => describe(member, seen) ?? null).sort(compareJson);
  const record = value as Record<string, unknown>;
  if (
    'cacheNamespace' in record ||
    typeof record.keysFor === 'function' ||
    typeof record.resolve === 'function'
  ) {
    if (typeof record.cacheNamespace !== 'string') throw new Unnamed();
    return { namespace: record.cacheNamespace };
  }
  if (typeof CryptoKey !== 'undefined' && value instanceof CryptoKey) throw new Unnamed();
  const described: Record<string, unknown> = {};
  for (const key of Object.keys(record).sort()) {
    const member = describe(record[key], seen);
    if (member !== undefined) described[key] = member;
  }
  return described;
}

function compareJson(a: unknown, b: unknown): number {
  const [left, right] = [JSON.stringify(a), JSON.stringify(b)];
  return left < right ? -1 : left > right ? 1 : 0;
}
