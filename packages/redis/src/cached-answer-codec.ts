import { createHmac, createSecretKey, type KeyObject, timingSafeEqual } from 'node:crypto';
import {
  type CachedAnswer,
  FAILURES,
  type Failure,
  type FailureCode,
  type TokenInfo,
  tokenInfoFromClaims,
} from '@rs/core';
import { parseBoundedJson } from '@rs/core/adapter';

// Bumped when the layout changes so that it would be misread, so instances of different versions sharing
// one Redis treat each other's entries as misses instead. `key` and `storedAt` were added to layout 1:
// earlier readers ignore them, and this one refuses a value without `key`.
const FORMAT_VERSION = 1;

interface StoredAccepted {
  readonly v: typeof FORMAT_VERSION;
  /** The key the value was written under: a value copied under another key is refused. */
  readonly key: string;
  readonly storedAt?: number | undefined;
  readonly usableUntil: number;
  readonly source: TokenInfo['source'];
  readonly claims: Readonly<Record<string, unknown>>;
}

interface StoredRefusal {
  readonly v: typeof FORMAT_VERSION;
  readonly key: string;
  readonly storedAt?: number | undefined;
  readonly usableUntil: number;
  readonly failure: Failure;
}

/**
 * Signs and checks values with HMAC-SHA-256 under a secret every instance shares, so that only a holder
 * of the secret can write a value the others accept. The signature is the value's last member, over
 * everything before it: checked on the text as read, before it is parsed, and no re-serialization has to
 * agree byte for byte with the writer's.
 */
export class ValueSignature {
  // Imported once: every signed read and write makes an HMAC with it.
  readonly #secret: KeyObject;

  constructor(secret: Uint8Array) {
    this.#secret = createSecretKey(secret);
  }

  /** `body` (a JSON object's text) with its signature added as its last member. */
  sign(body: string): string {
    return `${body.slice(0, -1)}${SIGNATURE_MEMBER}${this.#mac(body)}"}`;
  }

  /** The body that `text` signs, or `undefined` when it carries no signature or a wrong one. */
  verified(text: string): string | undefined {
    const at = text.lastIndexOf(SIGNATURE_MEMBER);
    if (at < 0 || !text.endsWith('"}')) return undefined;
    const body = `${text.slice(0, at)}}`;
    const given = Buffer.from(text.slice(at + SIGNATURE_MEMBER.length, -2));
    const expected = Buffer.from(this.#mac(body));
    return given.length === expected.length && timingSafeEqual(given, expected) ? body : undefined;
  }

  #mac(body: string): string {
    // Prefixed, so that a secret also used elsewhere signs nothing there that passes here, or back.
    return createHmac('sha256', this.#secret).update(SIGNATURE_CONTEXT).update(body).digest('base64url');
  }
}

const SIGNATURE_MEMBER = ',"mac":"';
const SIGNATURE_CONTEXT = '@rs/redis token-cache value\n';

/**
 * Serializes an answer for Redis under `key`. Only the claims of a token info are kept: every other field
 * is derived from them by `tokenInfoFromClaims`, so rebuilding gives the same info (the scope `Set`
 * included). The key is kept inside the value, and with a {@link ValueSignature} the value is signed.
 */
export function encodeCachedAnswer(key: string, answer: CachedAnswer, signature?: ValueSignature): string {
  const common = {
    v: FORMAT_VERSION,
    key,
    ...(answer.storedAt === undefined ? {} : { storedAt: answer.storedAt }),
    usableUntil: answer.usableUntil,
  } as const;
  const stored: StoredAccepted | StoredRefusal =
    answer.info !== undefined
      ? { ...common, source: answer.info.source, claims: answer.info.claims }
      : { ...common, failure: storedFailure(answer.failure) };
  const body = JSON.stringify(stored);
  return signature === undefined ? body : signature.sign(body);
}

/**
 * Rebuilds an answer written by {@link encodeCachedAnswer} under `key`, or says why it refuses it: Redis
 * is shared, so what it holds is checked like any other input before a request relies on it. A value
 * written under another key (copied, or from before values named their key), with a
 * {@link ValueSignature} a value it does not sign, and a value nested deeper than {@link MAX_VALUE_DEPTH}
 * levels (found before it is parsed) are refused.
 */
export function decodeCachedAnswer(
  key: string,
  text: string,
  signature?: ValueSignature,
): CachedAnswer | { readonly refused: string } {
  const body = signature === undefined ? text : signature.verified(text);
  if (body === undefined) return { refused: 'a value without a valid signature' };
  const read = parseBoundedJson(body, MAX_VALUE_DEPTH);
  if (!read.ok) return read.problem === 'too-deep' ? TOO_DEEP : NOT_AN_ANSWER;
  const parsed = read.value;
  if (!isRecord(parsed) || parsed.v !== FORMAT_VERSION) return NOT_AN_ANSWER;
  if (parsed.key !== key) return { refused: 'a value written under another key' };
  const { usableUntil, storedAt } = parsed;
  if (!isFiniteNumber(usableUntil)) return NOT_AN_ANSWER;
  if (storedAt !== undefined && !isFiniteNumber(storedAt)) return NOT_AN_ANSWER;
  const stored = storedAt === undefined ? {} : { storedAt };
  if ('failure' in parsed) {
    const failure = failureFrom(parsed.failure);
    return failure === undefined || 'claims' in parsed ? NOT_AN_ANSWER : { failure, usableUntil, ...stored };
  }
  const { source, claims } = parsed;
  if ((source !== 'jwt' && source !== 'introspection') || !isRecord(claims)) return NOT_AN_ANSWER;
  return { info: tokenInfoFromClaims(claims, source), usableUntil, ...stored };
}

const NOT_AN_ANSWER = { refused: 'a value that is not a cached answer' } as const;

/**
 * How deep a value may nest objects and arrays: its own object, then the claims, which an introspection
 * answer nests up to 32 levels (`@rs/core` refuses deeper answers) and a JWT's claim set has no reason to
 * come near, with as many levels to spare. Far below what would cost anything to parse.
 */
const MAX_VALUE_DEPTH = 64;
const TOO_DEEP = {
  refused: `a value that nests objects and arrays deeper than ${MAX_VALUE_DEPTH} levels`,
} as const;

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
  key: string,
  value: unknown,
  remainingMs: unknown,
  maxValueBytes: number,
  signature?: ValueSignature,
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
  const answer = decodeCachedAnswer(key, text, signature);
  if ('refused' in answer) return answer;
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

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
