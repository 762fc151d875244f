import { RsConfigError, requireOption } from '../config/config-error.js';
import { anyValue, checkOptions, func, type OptionSchema, oneOf } from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import { decodeBase64, octKey } from './secret-bytes.js';
import type { SecretStore } from './secret-store.js';
import { secretIdInMessage } from './shown-in-messages.js';

/** Options of {@link envSecretStore}. */
export interface EnvSecretStoreOptions {
  /** The environment to read, e.g. `process.env`. Read when a resolver asks for a secret. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** How values are written: `base64` (standard alphabet, ForgeRock Identity Gateway's default) or `plain` UTF-8. */
  readonly format?: 'base64' | 'plain';
  /** Maps a secret ID to a variable name. Default {@link envVariableName}. */
  readonly variableName?: (secretId: string) => string;
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
 * or the passwords of other stores.
 *
 * @example
 * ```ts
 * // AGENT_SECRET_ID='cGFzc3dvcmQ=' answers the secret ID "agent.secret.id".
 * const secrets = secretsProvider({ stores: [envSecretStore({ env: process.env })] });
 * ```
 */
export function envSecretStore(options: EnvSecretStoreOptions): SecretStore {
  checkOptions(options, ENV_SECRET_STORE_OPTIONS, 'envSecretStore');
  requireOption(isObject(options) && isObject(options.env), 'envSecretStore.env', 'is required');
  const format = options.format ?? 'base64';
  requireOption(
    format === 'base64' || format === 'plain',
    'envSecretStore.format',
    'must be "base64" or "plain"',
  );
  const variableName = options.variableName ?? envVariableName;
  const env = options.env;
  return {
    name: 'envSecretStore',
    keys(secretId) {
      const variable = variableName(secretId);
      const value = Object.hasOwn(env, variable) ? env[variable] : undefined;
      if (value === undefined) return undefined;
      const origin = `environment variable ${variable}`;
      if (value.length === 0) throw new RsConfigError('envSecretStore', `${origin} is empty`);
      const bytes = format === 'plain' ? new TextEncoder().encode(value) : decodeBase64(value);
      if (bytes === undefined || bytes.byteLength === 0)
        throw new RsConfigError(
          'envSecretStore',
          `${origin} (secret ID ${secretIdInMessage(secretId)}) is not base64`,
        );
      return [octKey(bytes, origin)];
    },
  };
}
