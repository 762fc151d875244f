import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  anyValue,
  checkOptions,
  func,
  isPlainObject,
  type OptionSchema,
  oneOf,
} from '../config/option-schema.js';
import { secretTextProblem } from '../config/secret-text.js';
import { decodeBase64 } from '../encoding/base64.js';
import { isObject } from '../encoding/json-object.js';
import { foreignKeyMaterialProblem } from '../keys/foreign-key-material.js';
import { octKey } from './secret-bytes.js';
import type { SecretStore } from './secret-store.js';
import { secretIdInMessage } from './shown-in-messages.js';

/** Options of {@link envSecretStore}. */
export interface EnvSecretStoreOptions {
  /**
   * The environment to read: `process.env`, or a plain object of variable names to strings (`undefined`
   * for an unset variable). Read when a resolver asks for a secret; its values are checked when the
   * store is built, so a number or `null` from configuration loaded as JSON is refused then.
   */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How values are written: `base64` (standard alphabet, ForgeRock Identity Gateway's default) or `plain` UTF-8. */
  readonly format?: 'base64' | 'plain' | undefined;
  /** Maps a secret ID to a variable name. Default {@link envVariableName}. */
  readonly variableName?: ((secretId: string) => string) | undefined;
}

// `env` is checked below: `process.env` is not a plain object, and need not be.
const ENV_SECRET_STORE_OPTIONS: OptionSchema<EnvSecretStoreOptions> = {
  env: anyValue,
  format: oneOf('base64', 'plain'),
  variableName: func,
};

/**
 * The environment variable that holds a secret ID, as ForgeRock Identity Gateway's SystemAndEnvSecretStore names it:
 * the ID in upper case with every `.` replaced by `_` (`agent.secret.id` → `AGENT_SECRET_ID`). Nothing
 * else changes: `my-key.v2` → `MY-KEY_V2`.
 *
 * @example
 * ```ts
 * envVariableName('keystore.secret.id'); // 'KEYSTORE_SECRET_ID'
 * ```
 */
export function envVariableName(secretId: string): string {
  return secretId.toUpperCase().replaceAll('.', '_');
}

/**
 * Secrets held in environment variables, base64-encoded by default (`export AGENT_SECRET_ID='cGFzc3dvcmQ='`).
 * A variable that is not set means the store does not know the ID; one that is empty or not base64 is a
 * configuration error naming the variable (never its value). Values are shared secrets: HMAC or AES keys,
 * or the passwords of other stores. `env` must be `process.env` or a plain object whose values are all
 * strings (or `undefined`): anything else throws {@link RsConfigError} when the store is built. A value
 * that is key material of another kind (a PEM public key, a JWK's JSON) is refused by the secrets
 * provider when a resolver would verify or decrypt with it: as an HMAC key, anyone who has the public
 * key would sign tokens. As another store's password it is read as it is.
 *
 * @example
 * ```ts
 * // AGENT_SECRET_ID='cGFzc3dvcmQ=' answers the secret ID "agent.secret.id".
 * const secrets = secretsProvider({ stores: [envSecretStore({ env: process.env })] });
 * ```
 */
export function envSecretStore(options: EnvSecretStoreOptions): SecretStore {
  checkOptions(options, ENV_SECRET_STORE_OPTIONS, 'envSecretStore');
  requireOption(isObject(options) && options.env !== undefined, 'envSecretStore.env', 'is required');
  const given: unknown = options.env;
  // A Map, an array or a class instance would hold no own variable: every ID would stay unknown.
  requireOption(
    isPlainObject(given) || given === runtimeEnvironment(),
    'envSecretStore.env',
    'must be process.env or a plain object of variable names to strings',
  );
  const env = given as Readonly<Record<string, unknown>>;
  for (const variable of Object.keys(env)) {
    const value = env[variable];
    requireOption(
      value === undefined || typeof value === 'string',
      `envSecretStore.env[${JSON.stringify(variable)}]`,
      `must be a string (or undefined, for an unset variable), not ${kindOf(value)}`,
    );
  }
  const format = options.format ?? 'base64';
  requireOption(
    format === 'base64' || format === 'plain',
    'envSecretStore.format',
    'must be "base64" or "plain"',
  );
  const variableName = options.variableName ?? envVariableName;
  return {
    name: 'envSecretStore',
    keys(secretId) {
      const variable = variableName(secretId);
      const value = Object.hasOwn(env, variable) ? env[variable] : undefined;
      if (value === undefined) return undefined;
      const origin = `environment variable ${variable}`;
      // Checked when built, but a plain object can be changed after: never a TypeError from here.
      if (typeof value !== 'string')
        throw new RsConfigError('envSecretStore', `${origin} is ${kindOf(value)}, not a string`);
      if (value.length === 0) throw new RsConfigError('envSecretStore', `${origin} is empty`);
      const bytes = format === 'plain' ? new TextEncoder().encode(value) : decodeBase64(value);
      if (bytes === undefined || bytes.byteLength === 0)
        throw new RsConfigError(
          'envSecretStore',
          `${origin} (secret ID ${secretIdInMessage(secretId)}) is not base64`,
        );
      // Base64 skips white space; plain text keeps it as part of the secret. Key material of another kind
      // (a PEM file ends with a line break) is refused for what it is, by the provider.
      const stray =
        format === 'plain' ? secretTextProblem(value, "base64-encoded with format: 'base64'") : undefined;
      if (stray !== undefined && foreignKeyMaterialProblem(bytes) === undefined)
        throw new RsConfigError(
          'envSecretStore',
          `${origin} (secret ID ${secretIdInMessage(secretId)}) ${stray}`,
        );
      return [octKey(bytes, origin)];
    },
  };
}

/**
 * The running process's environment, when there is one: `process.env` is an exotic object (on Node its
 * prototype is not `Object.prototype`), accepted by identity. Read through `globalThis` so the main
 * entry imports nothing from Node.
 */
function runtimeEnvironment(): unknown {
  return (globalThis as { process?: { env?: unknown } | undefined }).process?.env;
}

/** What a value is, for a message that must not repeat it. */
function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return /^[aeiou]/.test(typeof value) ? `an ${typeof value}` : `a ${typeof value}`;
}
