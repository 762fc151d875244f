import { base64url } from 'jose';
import { RsConfigError, requireOption } from '../config/config-error.js';
import { checkOptions, nonEmptyString, type OptionSchema } from '../config/option-schema.js';
import { secretTextProblem } from '../config/secret-text.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { success } from '../errors/failure.js';
import { HMAC_MIN_BYTES } from './algorithms.js';
import { foreignKeyMaterialProblem } from './foreign-key-material.js';
import { repeatedPatternProblem } from './repeated-pattern-secret.js';
import { importVerificationKey } from './verification-key-import.js';
import type { VerificationKeySource } from './verification-key-source.js';

/** Options of {@link sharedSecret}. */
export interface SharedSecretOptions {
  /** Only tokens whose header names this `kid` use the secret. Default: any `kid`, or none. */
  readonly kid?: string | undefined;
}

const SHARED_SECRET_OPTIONS: OptionSchema<SharedSecretOptions> = { kid: nonEmptyString };

/**
 * An HMAC secret shared with the authorization server, for HS256/384/512 tokens. The secret is a string,
 * taken as UTF-8, or a `Uint8Array` (a Node `Buffer` is one); anything else, `undefined` from an unset
 * environment variable included, throws {@link RsConfigError}. It must be at least as long as the hash
 * output (32 bytes for HS256, RFC 7518 §3.2). Key material of another kind is refused the same way: a
 * PEM or OpenSSH key or certificate, the JSON text of a JWK or JWK set, a DER key, or any of these in
 * base64 or hex. The issuer's public key pasted where the secret goes would let anyone who has that
 * public key sign HS256 tokens (the RS256→HS256 key confusion). A string with white space at either end
 * or a control character (a line break read from a file) is refused too; spaces inside are kept. So is a
 * placeholder: a secret that repeats one byte, or a pattern of up to 8 bytes, from end to end (32 zero
 * bytes, `'a'.repeat(32)`, `'changeme'` four times) is worth no more than that pattern, and anyone can guess
 * it; a random secret never looks like one. Messages never repeat the secret.
 *
 * @example
 * ```ts
 * jwtResolver({ issuer, keys: sharedSecret(process.env.AS_HMAC_SECRET!), algorithms: ['HS256'] });
 * ```
 */
export function sharedSecret(
  secret: string | Uint8Array,
  options: SharedSecretOptions = {},
): VerificationKeySource {
  checkOptions(options, SHARED_SECRET_OPTIONS, 'sharedSecret.options');
  const bytes = secretBytes(secret);
  requireOption(
    bytes.byteLength >= HMAC_MIN_BYTES.HS256!,
    'sharedSecret',
    `the secret must be at least ${HMAC_MIN_BYTES.HS256} bytes (RFC 7518 §3.2)`,
  );
  const foreign = foreignKeyMaterialProblem(bytes);
  if (foreign !== undefined) throw new RsConfigError('sharedSecret', `the secret is ${foreign}`);
  // A placeholder (32 zero bytes, 'aaaa…') is long enough and no key material, and anyone can guess it.
  const repeated = repeatedPatternProblem(bytes);
  if (repeated !== undefined) throw new RsConfigError('sharedSecret', `the secret ${repeated}`);
  // After the key material check: a PEM file ends with a line break, and is refused for what it is. A
  // secret read with its line break is not the issuer's: every token would be refused as badly signed.
  const stray = typeof secret === 'string' ? secretTextProblem(secret, 'as bytes (a Uint8Array)') : undefined;
  if (stray !== undefined) throw new RsConfigError('sharedSecret', `the secret ${stray}`);
  const jwk = { kty: 'oct', k: base64url.encode(bytes) };
  const imported = new Map<string, Promise<CryptoKey>>();
  return {
    symmetric: true,
    algorithmsServed: new Set(
      Object.keys(HMAC_MIN_BYTES).filter((alg) => bytes.byteLength >= HMAC_MIN_BYTES[alg]!),
    ),
    cacheNamespace: cacheNamespaceOf('sharedSecret', { secret: bytes, kid: options.kid }),
    async keysFor(selector) {
      if (options.kid !== undefined && selector.kid !== options.kid) return success([]);
      const minimum = HMAC_MIN_BYTES[selector.alg];
      if (minimum === undefined || bytes.byteLength < minimum) return success([]);
      let key = imported.get(selector.alg);
      if (key === undefined) {
        key = importVerificationKey(jwk, selector.alg);
        imported.set(selector.alg, key);
      }
      return success([await key]);
    },
  };
}

/**
 * The secret's bytes. Only a string or a `Uint8Array` is taken: an `ArrayBuffer`, a `DataView` or any
 * object with a `byteLength` would pass a length check and then import as an empty key, failing every
 * request instead of start-up. The message describes the value's type, never the value.
 */
function secretBytes(secret: unknown): Uint8Array {
  if (typeof secret === 'string') return new TextEncoder().encode(secret);
  if (secret instanceof Uint8Array) return secret;
  throw new RsConfigError(
    'sharedSecret',
    `the secret must be a string or a Uint8Array, not ${typeName(secret)}`,
  );
}

function typeName(value: unknown): string {
  if (value === undefined) return 'undefined (is the environment variable that holds it set?)';
  if (value === null) return 'null';
  if (value instanceof ArrayBuffer) return 'an ArrayBuffer (wrap it: new Uint8Array(buffer))';
  if (ArrayBuffer.isView(value))
    return 'a view other than a Uint8Array (wrap its bytes: new Uint8Array(view.buffer, view.byteOffset, view.byteLength))';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}
