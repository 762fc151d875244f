import { RsConfigError, requireOption } from '../config/config-error.js';
import { hasStrayCharacters } from '../config/option-schema.js';
import { isObject } from '../encoding/json-object.js';
import { misconfigurationReporter } from '../observability/misconfiguration-reporter.js';
import { type SecretReference, type SecretValue, secretText } from '../secrets/secret-value.js';
import { secretIdInMessage } from '../secrets/shown-in-messages.js';

/** A referenced secret is read again after this long, so a rotation in the store is picked up. */
export const DEFAULT_SECRET_REFRESH_SECONDS = 300;

/**
 * The introspection client's secret: a fixed string, or one read from a secret store by ID (ForgeRock
 * Identity Gateway's `passwordSecretId` with a `secretsProvider`). A stored secret is re-read when it is
 * older than the refresh interval, and at once when the authorization server refuses the credentials
 * (the secret may have just been rotated). A stored secret is checked as a string one is, at every read
 * ({@link checkCredentialText}). Its value never appears in an error or a log line.
 */
export interface ClientSecretSource {
  /** The secret to send now. */
  current(): string;
  /**
   * Reads the store again after a refusal; `true` when the secret changed (worth one retry), `false` for
   * a fixed secret or an unchanged one.
   */
  reread(): boolean;
  /**
   * How many times the secret changed since start-up. Taken with {@link current} when a request is made,
   * it tells, after that request was refused, whether the secret now differs from the one it sent, even
   * when a concurrent request's re-read found the change first.
   */
  generation(): number;
}

/**
 * Checks a credential written in the options (a client id, a secret, a key id): white space around it
 * is a file's trailing line break or a paste's space, never part of what the authorization server
 * registered, and a control character never is. Spaces inside stay allowed (a pass phrase). The value is
 * never repeated in a message: it may be a secret.
 *
 * `subject` says what the value is when it is not the option itself (a secret read from a store).
 *
 * @example
 * ```ts
 * checkCredentialText('s3cret\n', 'clientAuthentication.clientSecret'); // throws RsConfigError
 * ```
 */
export function checkCredentialText(value: string, option: string, subject?: string): void {
  requireOption(
    !hasStrayCharacters(value),
    option,
    `${subject === undefined ? '' : `${subject} `}must not begin or end with white space (a line break read from a file with it?) or contain control characters`,
  );
}

/**
 * Told when a stored secret read again (after the refresh interval, or after the authorization server
 * refused the credentials) cannot be used: the store failed, or what it holds now would have been
 * refused at start-up (empty, a line break at its end). The last good secret stays in use meanwhile.
 * The error names the option and the secret ID, never the secret.
 */
export type SecretRereadReporter = (problem: RsConfigError) => void;

/**
 * The default {@link SecretRereadReporter}: `console.error`, at most once a minute for each secret, so
 * that a store left broken is seen without flooding the log.
 */
function loudRereadReporter(): SecretRereadReporter {
  return misconfigurationReporter('the introspection client secret is misconfigured', () => true);
}

/**
 * Checks the secret option at start-up (a reference must be readable now, and what it holds must pass
 * {@link checkCredentialText}) and returns its source. `refreshSeconds` applies to references only, and
 * is refused beside a fixed string. A re-read that fails keeps the last good secret, tells `report`, and
 * is tried again after the refresh interval or the next refusal of the credentials. `clock` counts the
 * interval in milliseconds; default the monotonic `performance.now()`, which a step of the system clock
 * does not move.
 */
export function clientSecretSource(
  value: SecretValue,
  refreshSeconds: number | undefined,
  option: string,
  // Monotonic: a system clock set back an hour would keep a rotated secret unread for that hour.
  clock: () => number = () => performance.now(),
  report: SecretRereadReporter = loudRereadReporter(),
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
    return { current: () => value, reread: () => false, generation: () => 0 };
  }
  if (!isObject(value)) throw new RsConfigError(option, 'must be a string or { store, secretId }');
  const refreshMs = (refreshSeconds ?? DEFAULT_SECRET_REFRESH_SECONDS) * 1000;
  requireOption(
    Number.isFinite(refreshMs) && refreshMs > 0,
    refreshOption,
    'must be a positive number of seconds',
  );
  let secret = readSecret(value, option);
  let generation = 0;
  let readAt = clock();
  const refresh = (): boolean => {
    const previous = secret;
    // Counted from the attempt, failed or not: a broken store is not read (and reported) at every request.
    readAt = clock();
    try {
      secret = readSecret(value, option);
    } catch (error) {
      // A store that cannot answer now, or answers with a value start-up would have refused, keeps the
      // last good secret (the server will say if it is stale); the operator is told why none was taken.
      tell(report, rereadProblem(error, option));
      return false;
    }
    if (secret === previous) return false;
    generation++;
    return true;
  };
  return {
    current() {
      if (clock() - readAt >= refreshMs) refresh();
      return secret;
    },
    reread: refresh,
    generation: () => generation,
  };
}

/** The text of the referenced secret, checked as a secret written in the options is. */
function readSecret(value: SecretReference, option: string): string {
  const text = secretText(value, option);
  requireOption(text.length > 0, option, 'the referenced secret is empty');
  // Sent as read: a line break a file or a variable kept would make every introspection call refused.
  checkCredentialText(
    text,
    option,
    `the secret ${secretIdInMessage(value.secretId)} from ${value.store.name}`,
  );
  return text;
}

/** What a failed re-read is reported as: the option, what is wrong, and that the last good secret is kept. */
function rereadProblem(error: unknown, option: string): RsConfigError {
  const problem = error instanceof RsConfigError ? error.problem : 'the secret could not be read';
  return new RsConfigError(
    option,
    `${problem} (read again: the secret read before stays in use until the store holds a usable one)`,
    { cause: error },
  );
}

function tell(report: SecretRereadReporter, problem: RsConfigError): void {
  try {
    report(problem);
  } catch {
    // A failing handler must not turn a stale secret into a failed request.
  }
}
