import { decodeJsonSegment } from '../encoding/json-object.js';

/** What a token looks like from outside, before anything about it is trusted. */
export type TokenShape = 'jws' | 'jwe' | 'opaque';

/**
 * The longest token whose payload is decoded to peek at its issuer unless the caller allows more, and the
 * longest header decoded to tell its shape: decoding more would let a huge token cost memory before any
 * check.
 */
export const MAX_PEEK_CHARS = 16_384;

/**
 * Classifies a token by its compact serialization: three base64url segments whose first decodes to a
 * JSON header with `alg` is a JWS, five is a JWE, anything else is opaque. Only the header is decoded, so
 * a JWT longer than {@link MAX_PEEK_CHARS} is still one (its resolver's `maxTokenLength` decides whether it
 * is too large), never sent to the resolver of opaque tokens.
 */
export function tokenShape(token: string): TokenShape {
  const firstDot = token.indexOf('.');
  if (firstDot <= 0 || firstDot > MAX_PEEK_CHARS) return 'opaque';
  let dots = 0;
  for (let i = firstDot; i !== -1; i = token.indexOf('.', i + 1)) dots++;
  if (dots !== 2 && dots !== 4) return 'opaque';
  const header = decodeJsonSegment(token.slice(0, firstDot));
  if (header === undefined || typeof header.alg !== 'string') return 'opaque';
  return dots === 2 ? 'jws' : 'jwe';
}

/**
 * The `iss` a JWS claims, read without verifying anything: only to choose which issuer's resolver
 * verifies it. `undefined` when the token is not a JWS, has no string `iss`, or is longer than
 * `maxLength` characters.
 */
export function peekIssuer(token: string, maxLength: number = MAX_PEEK_CHARS): string | undefined {
  if (token.length > maxLength) return undefined;
  const first = token.indexOf('.');
  const second = token.indexOf('.', first + 1);
  if (first <= 0 || second === -1) return undefined;
  const payload = decodeJsonSegment(token.slice(first + 1, second));
  return typeof payload?.iss === 'string' ? payload.iss : undefined;
}
