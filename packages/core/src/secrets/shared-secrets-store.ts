import { RsConfigError, requireOption } from '../config/config-error.js';
import { checkOptions, nonEmptyString } from '../config/option-schema.js';
import { secretTextProblem } from '../config/secret-text.js';
import { isObject } from '../encoding/json-object.js';
import { foreignKeyMaterialProblem } from '../keys/foreign-key-material.js';
import { requireExactSecretId } from './exact-names.js';
import { octKey } from './secret-bytes.js';
import type { SecretKey, SecretStore } from './secret-store.js';

/**
 * A shared secret: bytes, or a string taken as UTF-8.
 *
 * @example
 * ```ts
 * const secret: SharedSecretValue = new TextEncoder().encode('at-least-32-bytes-for-an-hs256-key');
 * ```
 */
export type SharedSecretValue = string | Uint8Array;

/**
 * A store of shared secrets given in configuration: HMAC secrets that verify HS256/384/512 tokens and AES
 * keys that decrypt `dir` or `A*KW` tokens. An ID may hold several secrets, active first (rotation).
 * Lengths are checked per use: HS256 needs at least 32 bytes, `dir` with A128CBC-HS256 exactly 32. Secret
 * IDs are compared exactly, so an empty one, or one with white space at either end or a control
 * character, is refused; so is a list with holes (`new Array(2)`), and so is a secret that is key
 * material of another kind (a PEM public key, the JSON text of a JWK): as an HMAC key, anyone who has
 * the public key would sign tokens with it.
 *
 * @example
 * ```ts
 * const store = sharedSecrets({
 *   'am.hmac': process.env.AM_HMAC_SECRET!,
 *   'am.encryption': [newKeyBytes, previousKeyBytes],
 * });
 * ```
 */
export function sharedSecrets(
  secrets: Readonly<Record<string, SharedSecretValue | readonly SharedSecretValue[]>>,
  options: { readonly name?: string | undefined } = {},
): SecretStore {
  checkOptions(options, { name: nonEmptyString }, 'sharedSecrets.options');
  requireOption(isObject(secrets), 'sharedSecrets', 'must map secret IDs to secrets');
  // An empty map is most often configuration that failed to load, not a store meant to know nothing.
  requireOption(Object.keys(secrets).length > 0, 'sharedSecrets', 'names no secret');
  const name = options.name ?? 'sharedSecrets';
  const byId = new Map<string, readonly SecretKey[]>();
  for (const [secretId, value] of Object.entries(secrets)) {
    requireExactSecretId(secretId, 'sharedSecrets');
    const values = Array.isArray(value) ? value : [value];
    requireOption(values.length > 0, 'sharedSecrets', `secret "${secretId}" holds no value`);
    byId.set(
      secretId,
      // Array.from visits holes (as undefined, refused below), where Array#map would keep them as holes.
      Array.from(values, (item: unknown, position) => {
        const origin = `${name} "${secretId}"${values.length > 1 ? ` #${position}` : ''}`;
        const bytes =
          typeof item === 'string' && item.length > 0
            ? new TextEncoder().encode(item)
            : item instanceof Uint8Array && item.byteLength > 0
              ? item
              : undefined;
        if (bytes === undefined)
          throw new RsConfigError('sharedSecrets', `${origin} must be a non-empty string or Uint8Array`);
        const foreign = foreignKeyMaterialProblem(bytes);
        if (foreign !== undefined) throw new RsConfigError('sharedSecrets', `${origin} is ${foreign}`);
        const stray =
          typeof item === 'string' ? secretTextProblem(item, 'as bytes (a Uint8Array)') : undefined;
        if (stray !== undefined) throw new RsConfigError('sharedSecrets', `${origin} ${stray}`);
        return octKey(bytes, origin);
      }),
    );
  }
  return { name, keys: (secretId) => byId.get(secretId) };
}
