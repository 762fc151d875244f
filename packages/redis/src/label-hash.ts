import { createHash } from 'node:crypto';

/**
 * The hash of a revocation label (`sub:alice`): what Redis index keys and pub/sub messages carry, so that
 * no subject, client or session identifier is written to Redis in clear, and keys stay short.
 */
export function labelHash(label: string): string {
  return createHash('sha256').update(label).digest('base64url');
}
