import { decodeJsonSegment } from '../encoding/json-object.js';

/** What a token looks like from outside, before anything about it is trusted. */
export type TokenShape = 'jws' | 'jwe' | 'opaque';

// Decoding more than this to peek at a claim would let a huge token cost memory before any check.
const MAX_PEEK_CHARS = 16_384;

/**
 * Classifies a token by its compact serialization: three base64url segments whose first decodes to a
 * JSON header with `alg` is a JWS, five is a JWE, anything else is opaque.
 */
export function tokenShape(token: string): TokenShape {
  const firstDot = token.indexOf('.');
  if (firstDot <= 0 || token.length > MAX_PEEK_CHARS) return 'opaque';
  let dots = 0;
  for (let i = firstDot; i !== -1; i = token.indexOf('.', i + 1)) dots++;
  if (dots !== 2 && dots !== 4) return 'opaque';
  const header = decodeJsonSegment(token.slice(0, firstDot));
  if (header === undefined || typeof header.alg !== 'string') return 'opaque';
  return dots === 2 ? 'jws' : 'jwe';
}

/**
 * The `iss` a JWS claims, read without verifying anything: only to choose which issuer's resolver
 * verifies it. `undefined` when the token is not a JWS or has no string `iss`.
 */
export function peekIssuer(token: string): string | undefined {
  if (token.length > MAX_PEEK_CHARS) return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second === -1) return undefined;
  const payload = decodeJsonSegment(token.slice(first + 1, second));
  return typeof payload?.iss === 'string' ? payload.iss : undefined;
}
