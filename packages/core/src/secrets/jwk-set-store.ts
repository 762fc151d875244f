import type { JSONWebKeySet, JWK } from 'jose';
import { requireOption } from '../config/config-error.js';
import {
  anyValue,
  checkOptions,
  nonEmptyString,
  type OptionSchema,
  stringOrStrings,
} from '../config/option-schema.js';
import { stringSetOption } from '../config/option-values.js';
import { isObject } from '../encoding/json-object.js';
import { kidLabel } from '../encoding/quoted-excerpt.js';
import { foreignKeyMaterialProblem } from '../keys/foreign-key-material.js';
import { MAX_JWKS_KEYS } from '../keys/jwk-index.js';
import { rsaKeyProblem } from '../keys/rsa-key-checks.js';
import type { VerificationKeySource } from '../keys/verification-key-source.js';
import { octBytes } from './key-usability.js';
import type { SecretKey, SecretStore } from './secret-store.js';

/** Options of {@link jwkSetStore}. */
export interface JwkSetStoreOptions {
  /**
   * The keys: a live verification key source (`remoteJwks(…)`, `staticJwks(…)`), or a JWK set whose keys
   * may also be private or `oct` keys for decryption.
   */
  readonly jwks: VerificationKeySource | JSONWebKeySet;
  /**
   * The secret IDs this store answers. Default: every ID, as ForgeRock Identity Gateway's JwkSetSecretStore, whose
   * secret ID "is not used": keys are chosen by the token's `kid`. Restrict it when other stores follow.
   */
  readonly secretIds?: string | readonly string[] | undefined;
  /** The store's name in error messages. Default `jwkSetStore`. */
  readonly name?: string | undefined;
}

// `jwks` is checked below: a key source or a JWK set document.
const JWK_SET_STORE_OPTIONS: OptionSchema<JwkSetStoreOptions> = {
  jwks: anyValue,
  secretIds: stringOrStrings,
  name: nonEmptyString,
};

/**
 * A store over a JWK set: keys are chosen by the token's `kid` (a token without one tries every key that
 * fits its algorithm), whatever the secret ID. Wraps a remote or static JWK set for verification, or holds
 * a JWK set with private or `oct` keys for decryption.
 *
 * @example
 * ```ts
 * const store = jwkSetStore({ jwks: remoteJwks({ url: 'https://am.example.com/oauth2/connect/jwk_uri' }) });
 * ```
 */
export function jwkSetStore(options: JwkSetStoreOptions): SecretStore {
  checkOptions(options, JWK_SET_STORE_OPTIONS, 'jwkSetStore');
  requireOption(isObject(options) && isObject(options.jwks), 'jwkSetStore.jwks', 'is required');
  const name = options.name ?? 'jwkSetStore';
  const secretIds = stringSetOption(options.secretIds, 'jwkSetStore.secretIds', false);
  const answers = (secretId: string) => secretIds === undefined || secretIds.has(secretId);
  const jwks = options.jwks;
  if (isKeySource(jwks)) {
    return { name, verificationSource: (secretId) => (answers(secretId) ? jwks : undefined) };
  }
  const keys = jwkSetKeys(jwks, name, 'jwkSetStore.jwks');
  return { name, keys: (secretId) => (answers(secretId) ? keys : undefined) };
}

/**
 * The keys of a JWK set document, each named by `kid` or position for error messages. A hole in `keys`
 * is refused like any other entry that is not a JWK; so are an RSA key no purpose may use and an `oct`
 * key whose secret is key material of another kind (a public key's PEM text as an HMAC key lets anyone
 * who has the public key sign).
 */
export function jwkSetKeys(jwks: unknown, name: string, option: string): readonly SecretKey[] {
  requireOption(
    isObject(jwks) && Array.isArray(jwks.keys),
    option,
    'a JWK set must be an object with a "keys" array',
  );
  requireOption(
    jwks.keys.length <= MAX_JWKS_KEYS,
    option,
    `a JWK set may hold at most ${MAX_JWKS_KEYS} keys`,
  );
  // Array.from visits holes (as undefined, refused below), where Array#map would keep them as holes.
  return Array.from(jwks.keys as unknown[], (jwk, position) => {
    requireOption(
      isObject(jwk) && typeof jwk.kty === 'string',
      option,
      `key #${position} is not a JWK (no "kty")`,
    );
    // The kid is the file's or the caller's text: quoted and cut, so that a key with a huge or multi-line
    // kid cannot flood the message it is named in.
    const label = kidLabel(jwk.kid, position);
    const problem = jwk.kty === 'RSA' ? rsaKeyProblem(jwk) : jwk.kty === 'oct' ? octProblem(jwk) : undefined;
    requireOption(problem === undefined, option, `key ${label}: ${problem}`);
    return { jwk: jwk as JWK, origin: `${name} key ${label}` };
  });
}

/** Why an `oct` key's secret is key material of another kind (a public key's PEM text, say), if it is. */
function octProblem(jwk: Readonly<Record<string, unknown>>): string | undefined {
  const foreign = foreignKeyMaterialProblem(octBytes(jwk as JWK));
  return foreign === undefined ? undefined : `"k" is ${foreign}`;
}

function isKeySource(value: object): value is VerificationKeySource {
  return typeof (value as Partial<VerificationKeySource>).keysFor === 'function';
}
