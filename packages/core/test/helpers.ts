import { mintToken, type TestSigningKey } from '@rs/testkit';
import { base64url } from 'jose';
import { expect } from 'vitest';
import {
  type AccessTokenResolver,
  type AuthResult,
  type CacheIdentity,
  FAILURES,
  type Failure,
  type FailureCode,
  type OAuth2Context,
  type OptionalAuthResult,
  type Outcome,
  type Rejection,
  RsConfigError,
  type RsRequest,
  type TokenInfo,
} from '../src/index.js';

/**
 * The store-key segment a token cache uses for `subject`: a custom name as given, or the digest of a
 * namespace of @rs (computed asynchronously). `undefined` when it has none.
 */
export async function namespaceDigest(subject: CacheIdentity): Promise<string | undefined> {
  const namespace = subject.cacheNamespace;
  return typeof namespace === 'string' || namespace === undefined ? namespace : namespace.digest();
}

/** Shared fixtures: one issuer, one audience, one fixed instant (tokens are minted and checked at it). */
export const ISSUER = 'https://as.example.com';
export const AUDIENCE = 'https://api.example.com';
/** Seconds since the epoch: the `iat` of minted tokens (`exp` is 300 s later). */
export const NOW_S = 1_700_000_000;
export const NOW_MS = NOW_S * 1000;
export const API_URL = 'https://api.example.com/resource';

/** A real token signed by `key`, issued at {@link NOW_S} for {@link ISSUER} and {@link AUDIENCE}. */
export function mint(
  key: TestSigningKey,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): Promise<string> {
  return mintToken(key, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S }, claims, header);
}

/** The same key pair announced under another `kid`. */
export function withKid(key: TestSigningKey, kid: string): TestSigningKey {
  return { ...key, kid, publicJwk: { ...key.publicJwk, kid } };
}

/** An HMAC "signing key" for mintToken: a real WebCrypto HMAC key over `secret`. */
export async function hmacKey(secret: Uint8Array, alg = 'HS256', kid = 'hmac-1'): Promise<TestSigningKey> {
  const hash = `SHA-${alg.slice(2)}`;
  const key = await crypto.subtle.importKey(
    'raw',
    secret as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash },
    false,
    ['sign', 'verify'],
  );
  return {
    alg,
    kid,
    privateKey: key,
    publicKey: key,
    publicJwk: { kty: 'oct', k: base64url.encode(secret), kid, alg },
  };
}

/** `length` random bytes. */
export function randomBytes(length: number): Uint8Array {
  return crypto.getRandomValues(new Uint8Array(length));
}

/** A 1024-bit RSA key pair (RS256), too short to be used: jose will not make one, WebCrypto does. */
export async function weakRsaKeyPair(): Promise<CryptoKeyPair> {
  const algorithm = {
    name: 'RSASSA-PKCS1-v1_5',
    modulusLength: 1024,
    publicExponent: new Uint8Array([1, 0, 1]),
    hash: 'SHA-256',
  };
  return (await crypto.subtle.generateKey(algorithm, true, ['sign', 'verify'])) as CryptoKeyPair;
}

/** A GET over HTTPS with `Authorization: Bearer <token>`. */
export function bearerRequest(token: string, overrides: Partial<RsRequest> = {}): RsRequest {
  return { method: 'GET', url: API_URL, headers: { authorization: `Bearer ${token}` }, ...overrides };
}

/** Runs the resolver at `now` (ms). */
export function resolveAt(
  resolver: AccessTokenResolver,
  token: string,
  now: number = NOW_MS,
): Promise<Outcome<TokenInfo>> {
  return resolver.resolve(token, { request: bearerRequest(token), now });
}

/** Asserts a failed outcome with exactly `code`, and returns the failure. */
export function expectFailure<T>(outcome: Outcome<T>, code: FailureCode): Failure {
  if (outcome.ok) throw new Error(`expected failure "${code}", got success`);
  expect(outcome.failure.code).toBe(code);
  return outcome.failure;
}

/** Asserts a successful outcome and returns its value. */
export function expectSuccess<T>(outcome: Outcome<T>): T {
  if (!outcome.ok)
    throw new Error(`expected success, got "${outcome.failure.code}": ${outcome.failure.description}`);
  return outcome.value;
}

/**
 * Asserts a rejection with exactly `code`, the status and OAuth error the failure table fixes for it, and
 * headers that carry the challenge. Returns the rejection.
 */
export function expectRejected(result: OptionalAuthResult, code: FailureCode, status?: number): Rejection {
  if (result.ok) throw new Error(`expected rejection "${code}", got success`);
  const { rejection } = result;
  expect(rejection.code).toBe(code);
  expect(rejection.status).toBe(status ?? FAILURES[code].status);
  expect(rejection.status).toBe(FAILURES[code].status);
  expect(rejection.error).toBe(FAILURES[code].error);
  expect(rejection.body.code).toBe(code);
  expect(rejection.body.error).toBe(FAILURES[code].error);
  expect(rejection.headers['www-authenticate']).toBe(rejection.wwwAuthenticate);
  expect(rejection.headers['cache-control']).toBe('no-store');
  expect(rejection.headers['content-type']).toBe('application/json');
  return rejection;
}

/** Asserts an accepted request and returns its context. */
export function expectAccepted(result: AuthResult): OAuth2Context {
  if (!result.ok)
    throw new Error(`expected success, got "${result.rejection.code}": ${result.rejection.description}`);
  return result.context;
}

/** Asserts that `build` throws an {@link RsConfigError} naming `option`. */
export function expectConfigError(build: () => unknown, option: string): RsConfigError {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RsConfigError);
  const error = thrown as RsConfigError;
  expect(error.option).toBe(option);
  expect(error.code).toBe('ERR_RS_CONFIG');
  expect(error.message).toContain(`"${option}"`);
  return error;
}

/** The challenge for `invalid_token` with this description, without realm. */
export function invalidTokenChallenge(description: string): string {
  return `Bearer error="invalid_token", error_description="${description}"`;
}
