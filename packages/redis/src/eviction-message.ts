import type { RevocationTarget, SharedRevocation } from '@rs/core';

/**
 * What one instance tells the others over pub/sub: drop one key, everything, the entries indexed under
 * a label (by its hash: no subject or session identifier travels in clear), or a revocation to apply.
 */
export type EvictionMessage =
  | { readonly from: string; readonly key: string }
  | { readonly from: string; readonly clear: true }
  | { readonly from: string; readonly label: string }
  | { readonly from: string; readonly revocation: SharedRevocation };

// A key is a prefix and a hash; anything longer on the channel did not come from this store.
const MAX_MESSAGE_LENGTH = 4096;
const TARGETS: ReadonlySet<string> = new Set<RevocationTarget>(['token', 'jti', 'sub', 'client', 'sid']);

export function encodeEvictionMessage(message: EvictionMessage): string {
  return JSON.stringify(message);
}

/** The message, or `undefined` for anything this store did not publish. */
export function decodeEvictionMessage(text: string): EvictionMessage | undefined {
  if (text.length > MAX_MESSAGE_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { from, key, clear, label, revocation } = parsed as Record<string, unknown>;
  if (typeof from !== 'string') return undefined;
  if (clear === true) return { from, clear: true };
  if (typeof key === 'string') return { from, key };
  if (typeof label === 'string') return { from, label };
  const shared = sharedRevocationFrom(revocation);
  return shared === undefined ? undefined : { from, revocation: shared };
}

/** The revocation `value` spells, checked field by field; `undefined` for anything else. */
export function sharedRevocationFrom(value: unknown): SharedRevocation | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const { by, value: named, signingInputHash, issuer, revokedAt } = value as Record<string, unknown>;
  if (typeof by !== 'string' || !TARGETS.has(by) || typeof named !== 'string' || named.length === 0)
    return undefined;
  if (issuer !== undefined && typeof issuer !== 'string') return undefined;
  if (signingInputHash !== undefined && (by !== 'token' || typeof signingInputHash !== 'string'))
    return undefined;
  if (revokedAt !== undefined && (typeof revokedAt !== 'number' || !Number.isFinite(revokedAt)))
    return undefined;
  return {
    by: by as RevocationTarget,
    value: named,
    ...(signingInputHash === undefined ? {} : { signingInputHash }),
    ...(issuer === undefined ? {} : { issuer }),
    ...(revokedAt === undefined ? {} : { revokedAt }),
  };
}
