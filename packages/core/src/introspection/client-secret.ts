import { RsConfigError, requireOption } from '../config/config-error.js';
import { hasStrayCharacters } from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import { type SecretValue, secretText } from '../secrets/secret-value.js';

/** A referenced secret is read again after this long, so a rotation in the store is picked up. */
export const DEFAULT_SECRET_REFRESH_SECONDS = 300;

/**
 * The introspection client's secret: a fixed string, or one read from a secret store by ID (ForgeRock
 * Identity Gateway's `passwordSecretId` with a `secretsProvider`). A stored secret is re-read when it is
 * older than the refresh interval, and at once when the authorization server refuses the credentials
 * (the secret may have just been rotated). Its value never appears in an error or a log line.
 */
export interface ClientSecretSource {
  /** The secret to send now. */
  current(): string;
  /**
   * Reads the store again after a refusal; `true` when the secret changed (worth one retry), `false` for
   * a fixed secret or an unchanged one.
   */
  reread(): boolean;
}

/**
 * Checks a credential written in the options (a client id, a secret, a key id): white space around it
 * is a file's trailing line break or a paste's space, never part of what the authorization server
 * registered, and a control character never is. Spaces inside stay allowed (a pass phrase). The value is
 * never repeated in a message: it may be a secret.
 *
 * @example
 * ```ts
 * checkCredentialText('s3cret\n', 'clientAuthentication.clientSecret'); // throws RsConfigError
 * ```
 */
export function checkCredentialText(value: string, option: string): void {
  requireOption(
    !hasStrayCharacters(value),
    option,
    'must not begin or end with white space (a line break read from a file with it?) or contain control characters',
  );
}

/**
 * Checks the secret option at start-up (a reference must be readable now) and returns its source.
 * `refreshSeconds` applies to references only, and is refused beside a fixed string.
 */
export function clientSecretSource(
  value: SecretValue,
  refreshSeconds: number | undefined,
  option: string,
  clock: () => number = Date.now,
): ClientSecretSource {
  const refreshOption = `${option.replace(/\.clientSecret$/, '')}.secretRefreshSeconds`;
  if (typeof value === 'string') {
    requireOption(value.length > 0, option, 'is required');
    checkCredentialText(value, option);
    // A refresh interval beside a fixed string would promise a rotation that is never read.
    requireOption(
      refreshSeconds === undefined,
      refreshOption,
      'applies to a secret read from a store ({ store, secretId }); a plain string is read once and never again',
    );
    return { current: () => value, reread: () => false };
  }
  if (!isObject(value)) throw new RsConfigError(option, 'must be a string or { store, secretId }');
  const refreshMs = (refreshSeconds ?? DEFAULT_SECRET_REFRESH_SECONDS) * 1000;
  requireOption(
    Number.isFinite(refreshMs) && refreshMs > 0,
    refreshOption,
    'must be a positive number of seconds',
  );
  let secret = readSecret(value, option);
  let readAt = clock();
  const refresh = (): boolean => {
    const previous = secret;
    try {
      secret = readSecret(value, option);
    } catch {
      // A store that cannot answer now keeps the last good secret: the server will say if it is stale.
      return false;
    }
    readAt = clock();
    return secret !== previous;
  };
  return {
    current() {
      if (clock() - readAt >= refreshMs) refresh();
      return secret;
    },
    reread: refresh,
  };
}

function readSecret(value: SecretValue, option: string): string {
  const text = secretText(value, option);
  requireOption(text.length > 0, option, 'the referenced secret is empty');
  return text;
}
