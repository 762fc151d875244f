import {
  type CachedAnswer,
  FAILURES,
  type Failure,
  type FailureCode,
  type TokenInfo,
  tokenInfoFromClaims,
} from '@rs/core';

// Bumped when the layout changes, so instances of different versions sharing one Redis treat each
// other's entries as misses instead of misreading them.
const FORMAT_VERSION = 1;

interface StoredAccepted {
  readonly v: typeof FORMAT_VERSION;
  readonly usableUntil: number;
  readonly source: TokenInfo['source'];
  readonly claims: Readonly<Record<string, unknown>>;
}

interface StoredRefusal {
  readonly v: typeof FORMAT_VERSION;
  readonly usableUntil: number;
  readonly failure: Failure;
}

/**
 * Serializes an answer for Redis. Only the claims of a token info are kept: every other field is derived
 * from them by `tokenInfoFromClaims`, so rebuilding gives the same info (the scope `Set` included).
 */
export function encodeCachedAnswer(answer: CachedAnswer): string {
  const stored: StoredAccepted | StoredRefusal =
    answer.info !== undefined
      ? {
          v: FORMAT_VERSION,
          usableUntil: answer.usableUntil,
          source: answer.info.source,
          claims: answer.info.claims,
        }
      : { v: FORMAT_VERSION, usableUntil: answer.usableUntil, failure: storedFailure(answer.failure) };
  return JSON.stringify(stored);
}

/**
 * Rebuilds an answer written by {@link encodeCachedAnswer}, or `undefined` for anything else: Redis is
 * shared, so what it holds is checked like any other input before a request relies on it.
 */
export function decodeCachedAnswer(text: string): CachedAnswer | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(parsed) || parsed.v !== FORMAT_VERSION) return undefined;
  const { usableUntil } = parsed;
  if (typeof usableUntil !== 'number' || !Number.isFinite(usableUntil)) return undefined;
  if ('failure' in parsed) {
    const failure = failureFrom(parsed.failure);
    return failure === undefined || 'claims' in parsed ? undefined : { failure, usableUntil };
  }
  const { source, claims } = parsed;
  if ((source !== 'jwt' && source !== 'introspection') || !isRecord(claims)) return undefined;
  return { info: tokenInfoFromClaims(claims, source), usableUntil };
}

/** An answer read back from Redis, with the lifetime Redis has left for it. */
export interface StoredAnswer {
  readonly answer: CachedAnswer;
  readonly ttl: number;
}

/**
 * Checks what a `GETRANGE key 0 maxValueBytes` and a `PTTL key` answered: the stored answer, `undefined`
 * when Redis holds none, or what was refused (described, never quoted: it may hold claims).
 */
export function readStoredAnswer(
  value: unknown,
  remainingMs: unknown,
  maxValueBytes: number,
): StoredAnswer | { readonly refused: string } | undefined {
  if (value === '' || remainingMs === -2) return undefined;
  const text =
    typeof value === 'string' ? value : Buffer.isBuffer(value) ? value.toString('utf8') : undefined;
  if (text === undefined || typeof remainingMs !== 'number')
    return { refused: 'a reply of an unexpected type' };
  // GETRANGE read one byte more than allowed: a value that long was cut, so it is too large.
  if (Buffer.byteLength(text) > maxValueBytes)
    return { refused: `a value larger than ${maxValueBytes} bytes` };
  if (remainingMs < 0) return { refused: 'a value that never expires' };
  const answer = decodeCachedAnswer(text);
  if (answer === undefined) return { refused: 'a value that is not a cached answer' };
  return { answer, ttl: Math.max(1, remainingMs) };
}

function storedFailure(failure: Failure): Failure {
  const { code, description, requiredScopes } = failure;
  return requiredScopes === undefined ? { code, description } : { code, description, requiredScopes };
}

function failureFrom(value: unknown): Failure | undefined {
  if (!isRecord(value)) return undefined;
  const { code, description, requiredScopes } = value;
  if (!isFailureCode(code) || typeof description !== 'string') return undefined;
  if (requiredScopes === undefined) return { code, description };
  if (!Array.isArray(requiredScopes) || !requiredScopes.every((scope) => typeof scope === 'string'))
    return undefined;
  return { code, description, requiredScopes };
}

function isFailureCode(value: unknown): value is FailureCode {
  return typeof value === 'string' && Object.hasOwn(FAILURES, value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
