import { RsConfigError } from './config-error.js';
import { shownKey } from './shown-key.js';

// `{tenantid}`, `{tenant}`: a placeholder as a multi-tenant server's metadata publishes its issuer.
const PLACEHOLDER = /\{[^{}]*\}/u;

/**
 * Refuses a value compared exactly with a token's claim (an issuer, an audience) that is written as a
 * pattern: a `*` (a wildcard to other tools: `'*'`, `https://*.example.com`) or a `{…}` placeholder (the
 * `https://login.microsoftonline.com/{tenantid}/v2.0` a multi-tenant server's metadata states). Compared
 * exactly, either is one value no token carries, and every token would be refused with no word on why.
 * `instead` says what to write.
 *
 * @example
 * ```ts
 * refusePatternValue('*', 'jwtResolver.audience', 'set acceptAnyAudience: true');
 * // RsConfigError: … "*" is compared exactly, "*" is no wildcard: set acceptAnyAudience: true
 * ```
 */
export function refusePatternValue(value: string, option: string, instead: string): void {
  if (value.includes('*'))
    throw new RsConfigError(option, `${shownKey(value)} is compared exactly, "*" is no wildcard: ${instead}`);
  const placeholder = PLACEHOLDER.exec(value)?.[0];
  if (placeholder !== undefined) {
    throw new RsConfigError(
      option,
      `${shownKey(value)} is compared exactly, ${placeholder} is no placeholder filled in for each token: ${instead}`,
    );
  }
}
