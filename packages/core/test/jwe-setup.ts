import { base64url, CompactEncrypt, type CompactJWEHeaderParameters } from 'jose';
import {
  type AccessTokenResolver,
  createResourceServer,
  type DecryptionKeySource,
  type ResourceServer,
  RsConfigError,
  type VerificationKeySource,
} from '../src/index.js';
import type { SecretsProvider } from '../src/secrets/secrets-provider.js';
import { AUDIENCE, ISSUER, NOW_MS, NOW_S } from './helpers.js';

/** Claims of a valid access token at {@link NOW_S}, with `extra` merged in. */
export function accessClaims(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    iss: ISSUER,
    aud: AUDIENCE,
    sub: 'user-123',
    client_id: 'client-abc',
    iat: NOW_S,
    exp: NOW_S + 300,
    jti: crypto.randomUUID(),
    scope: 'read',
    ...extra,
  };
}

/** A real compact JWE of `plaintext` (an object is JSON-encoded) made by jose. */
export function encrypt(
  plaintext: Record<string, unknown> | string | Uint8Array,
  header: CompactJWEHeaderParameters,
  key: CryptoKey | Uint8Array,
): Promise<string> {
  const bytes =
    plaintext instanceof Uint8Array
      ? plaintext
      : new TextEncoder().encode(typeof plaintext === 'string' ? plaintext : JSON.stringify(plaintext));
  return new CompactEncrypt(bytes).setProtectedHeader(header).encrypt(key);
}

/**
 * A `dir` + A128GCM compact JWE built by hand with WebCrypto, for headers and plaintexts jose will not
 * produce (`zip: "NONE"`, a `zip: "DEF"` header over bytes that are not DEFLATE).
 */
export async function handmadeGcmJwe(
  header: Record<string, unknown>,
  plaintext: Uint8Array,
  key: Uint8Array,
): Promise<string> {
  const encodedHeader = base64url.encode(JSON.stringify({ alg: 'dir', enc: 'A128GCM', ...header }));
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const aesKey = await crypto.subtle.importKey('raw', key as Uint8Array<ArrayBuffer>, 'AES-GCM', false, [
    'encrypt',
  ]);
  const sealed = new Uint8Array(
    await crypto.subtle.encrypt(
      { name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(encodedHeader), tagLength: 128 },
      aesKey,
      plaintext as Uint8Array<ArrayBuffer>,
    ),
  );
  const ciphertext = sealed.slice(0, -16);
  const tag = sealed.slice(-16);
  return `${encodedHeader}..${base64url.encode(iv)}.${base64url.encode(ciphertext)}.${base64url.encode(tag)}`;
}

/** The token with the first character of segment `index` (0-based) changed. */
export function tamperSegment(token: string, index: number): string {
  const segments = token.split('.');
  const segment = segments[index]!;
  segments[index] = `${segment[0] === 'A' ? 'B' : 'A'}${segment.slice(1)}`;
  return segments.join('.');
}

/** A resource server around `resolver` at the fixed test clock. */
export function serverFor(resolver: AccessTokenResolver): ResourceServer {
  return createResourceServer({ resolver, clock: () => NOW_MS });
}

/**
 * A secrets provider holding fixed sources by secret ID; an unknown ID is a configuration error naming
 * the option, as the real providers report it.
 */
export function fixedSecrets(
  verification: Readonly<Record<string, VerificationKeySource>>,
  decryption: Readonly<Record<string, DecryptionKeySource>> = {},
): SecretsProvider {
  const find = <T>(sources: Readonly<Record<string, T>>, secretId: string, option: string): T => {
    const source = Object.hasOwn(sources, secretId) ? sources[secretId] : undefined;
    if (source === undefined) throw new RsConfigError(option, `no store knows the secret ID "${secretId}"`);
    return source;
  };
  return {
    verificationKeys: (secretId, option) => find(verification, secretId, option),
    decryptionKeys: (secretId, option) => find(decryption, secretId, option),
  };
}
