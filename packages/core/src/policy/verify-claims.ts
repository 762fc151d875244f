import { RsConfigError, requireOption } from '../config/config-error.js';
import { anyValue, checkOptions, everyEntry, type OptionSchema } from '../config/option-schema.js';
import { type ClaimCheck, type ClaimPath, claimAt, claimPathArgument, pathName } from './claim-checks.js';

/** The delimiters of delimited string claims (such as `scope`), by NGINX's names or as one character. */
export type ClaimDelimiter = 'SPACE' | 'COMMA' | 'SEMICOLON' | (string & {});

const DELIMITERS: Readonly<Record<string, string>> = { SPACE: ' ', COMMA: ',', SEMICOLON: ';' };

// A misspelled `delimeter` would otherwise be ignored, and `scope` compared as one whole string.
const STRING_OPTIONS: OptionSchema<{ delimiter?: ClaimDelimiter | undefined }> = { delimiter: anyValue };

/**
 * Requires a string claim, NGINX `verifyClaims` type `STRING`. Without a delimiter, the claim must equal
 * `expected` (case-sensitive), or, when it is an array, contain it. With one, the claim must be a string
 * that, split at the delimiter, holds every word of `expected` in any order (more is fine).
 *
 * Refused with an `RsConfigError` when called: a `path` that is not a claim path, an `expected` that is
 * not a string, or that holds no word with a delimiter (`''` or `' '` would accept every string), and
 * `options` that are not a plain object, have an unknown key or name an unknown delimiter.
 *
 * @example
 * ```ts
 * claimStringMatches('aud', 'account');
 * claimStringMatches('scope', 'openid profile email', { delimiter: 'SPACE' });
 * ```
 */
export function claimStringMatches(
  path: ClaimPath,
  expected: string,
  options: { readonly delimiter?: ClaimDelimiter | undefined } = {},
): ClaimCheck {
  const claimPath = claimPathArgument(path, 'claimStringMatches');
  checkOptions(options, STRING_OPTIONS, 'claimStringMatches(options)');
  return stringMatches(claimPath, expected, options.delimiter, {
    value: 'claimStringMatches(expected)',
    delimiter: 'claimStringMatches(options).delimiter',
  });
}

/**
 * Requires an integer claim, NGINX type `INTEGER`: `42` and `"42"` both equal `42`.
 *
 * Refused with an `RsConfigError` when called: a `path` that is not a claim path, an `expected` that is
 * not a safe integer.
 *
 * @example
 * ```ts
 * claimIntegerEquals('acr', 1);
 * ```
 */
export function claimIntegerEquals(path: ClaimPath, expected: number): ClaimCheck {
  return integerEquals(
    claimPathArgument(path, 'claimIntegerEquals'),
    expected,
    'claimIntegerEquals(expected)',
  );
}

/**
 * Requires a boolean claim, NGINX type `BOOLEAN`: `true`, `"true"` and `"TRUE"` all equal `true`.
 *
 * Refused with an `RsConfigError` when called: a `path` that is not a claim path, an `expected` that is
 * not `true` or `false`.
 *
 * @example
 * ```ts
 * claimBooleanEquals('email_verified', true);
 * ```
 */
export function claimBooleanEquals(path: ClaimPath, expected: boolean): ClaimCheck {
  return booleanEquals(
    claimPathArgument(path, 'claimBooleanEquals'),
    expected,
    'claimBooleanEquals(expected)',
  );
}

/**
 * Requires an array claim holding every one of `expected`, NGINX type `ARRAY`, in any order (more is
 * fine). A claim that is a single string counts as an array of that one string.
 *
 * Refused with an `RsConfigError` when called: a `path` that is not a claim path, an `expected` that is
 * not a non-empty array of strings (an empty one would accept every array).
 *
 * @example
 * ```ts
 * claimArrayContains('resource_access.account.roles', ['manage-account', 'view-profile']);
 * ```
 */
export function claimArrayContains(path: ClaimPath, expected: readonly string[]): ClaimCheck {
  return arrayContains(
    claimPathArgument(path, 'claimArrayContains'),
    expected,
    'claimArrayContains(expected)',
  );
}

/** One entry of an NGINX `verifyClaims` list, as written in its policy JSON. */
export interface VerifyClaimSpec {
  /** A claim name or dotted path, e.g. `resource_access.account.roles`. */
  readonly claim: string;
  /** How the claim is compared: as {@link claimStringMatches}, {@link claimIntegerEquals}, {@link claimBooleanEquals} or {@link claimArrayContains}. */
  readonly type: 'STRING' | 'INTEGER' | 'BOOLEAN' | 'ARRAY';
  /** The expected value: a string, an integer, a boolean, or (for `ARRAY`) the strings the claim must all hold. */
  readonly value: string | number | boolean | readonly string[];
  /** For `STRING` only. */
  readonly delimiter?: ClaimDelimiter | undefined;
}

// Every key is checked below; the schema refuses the unknown ones (`delimeter`).
const VERIFY_CLAIM_SPEC: OptionSchema<VerifyClaimSpec> = {
  claim: anyValue,
  type: anyValue,
  value: anyValue,
  delimiter: anyValue,
};

/**
 * Turns an NGINX `verifyClaims` list into claim checks for a policy's `claims`, with the same
 * semantics (see the named helpers). Checked now: a wrong entry throws an `RsConfigError` naming it,
 * `verifyClaims[0].value` for instance. Refused, besides what the named helpers refuse: an empty list
 * (it would check nothing: most often a list that failed to load, `JSON.parse(process.env.X ?? '[]')`),
 * an entry that is not a plain object or has an unknown key, and a `delimiter` beside a type other than
 * `STRING`.
 *
 * @example
 * ```ts
 * const policy: AccessPolicy = {
 *   claims: verifyClaims([
 *     { claim: 'scope', type: 'STRING', value: 'openid profile', delimiter: 'SPACE' },
 *     { claim: 'email_verified', type: 'BOOLEAN', value: true },
 *   ]),
 * };
 * ```
 */
export function verifyClaims(specs: readonly VerifyClaimSpec[]): ClaimCheck[] {
  if (!Array.isArray(specs)) throw new RsConfigError('verifyClaims', 'must be an array');
  // Its checks would become a policy's `claims`, which then requires nothing at all.
  requireOption(
    specs.length > 0,
    'verifyClaims',
    'needs at least one entry: an empty list checks nothing (leave claims out of the policy for a route that requires none)',
  );
  return specs.map((entry: unknown, index) => {
    const option = `verifyClaims[${index}]`;
    checkOptions(entry, VERIFY_CLAIM_SPEC, option);
    const spec = entry as VerifyClaimSpec;
    requireOption(
      typeof spec.claim === 'string' && spec.claim !== '',
      `${option}.claim`,
      'must be a claim name or dotted path',
    );
    requireOption(
      spec.delimiter === undefined || spec.type === 'STRING',
      `${option}.delimiter`,
      'applies to STRING claims only',
    );
    const value = `${option}.value`;
    switch (spec.type) {
      case 'STRING':
        return stringMatches(spec.claim, spec.value, spec.delimiter, {
          value,
          delimiter: `${option}.delimiter`,
        });
      case 'INTEGER':
        return integerEquals(spec.claim, spec.value, value);
      case 'BOOLEAN':
        return booleanEquals(spec.claim, spec.value, value);
      case 'ARRAY':
        return arrayContains(spec.claim, spec.value, value);
      default:
        throw new RsConfigError(`${option}.type`, 'must be STRING, INTEGER, BOOLEAN or ARRAY');
    }
  });
}

// The checks themselves, their arguments named as the caller wrote them: a helper's own
// (`claimIntegerEquals(expected)`) or an entry of a verifyClaims list (`verifyClaims[2].value`).

function stringMatches(
  path: ClaimPath,
  expected: unknown,
  delimiterName: unknown,
  names: { readonly value: string; readonly delimiter: string },
): ClaimCheck {
  requireOption(typeof expected === 'string', names.value, 'must be a string');
  const delimiter = delimiterName === undefined ? undefined : delimiterOf(delimiterName, names.delimiter);
  if (delimiter === undefined) {
    return {
      description: described(path),
      test(claims) {
        const value = claimAt(claims, path);
        if (typeof value === 'string') return value === expected;
        return Array.isArray(value) && value.includes(expected);
      },
    };
  }
  const wanted = words(expected, delimiter);
  // Every string holds all of no words: '' or ' ' split at a space would accept any claim at all.
  requireOption(
    wanted.length > 0,
    names.value,
    'must hold at least one word between the delimiters: with none, every string claim would pass',
  );
  return {
    description: described(path),
    test(claims) {
      const value = claimAt(claims, path);
      if (typeof value !== 'string') return false;
      const present = words(value, delimiter);
      return wanted.every((word) => present.includes(word));
    },
  };
}

function integerEquals(path: ClaimPath, expected: unknown, option: string): ClaimCheck {
  requireOption(Number.isSafeInteger(expected), option, 'must be a safe integer');
  return {
    description: described(path),
    test: (claims) => integerOf(claimAt(claims, path)) === expected,
  };
}

function booleanEquals(path: ClaimPath, expected: unknown, option: string): ClaimCheck {
  requireOption(typeof expected === 'boolean', option, 'must be true or false');
  return {
    description: described(path),
    test: (claims) => booleanOf(claimAt(claims, path)) === expected,
  };
}

function arrayContains(path: ClaimPath, expected: unknown, option: string): ClaimCheck {
  requireOption(
    Array.isArray(expected) && expected.length > 0 && everyEntry(expected, (v) => typeof v === 'string'),
    option,
    'must be a non-empty array of strings',
  );
  // A copy: the check is settled now, whatever later becomes of the caller's array.
  const members: readonly string[] = [...expected];
  return {
    description: described(path),
    test(claims) {
      const value = claimAt(claims, path);
      const present = typeof value === 'string' ? [value] : Array.isArray(value) ? value : undefined;
      return present !== undefined && members.every((wanted) => present.includes(wanted));
    },
  };
}

function described(path: ClaimPath): string {
  // The name only: claim values are the token's, and expected values may be sensitive too.
  return `claim "${pathName(path)}" must match the expected value`;
}

function delimiterOf(delimiter: unknown, option: string): string {
  const character =
    typeof delimiter === 'string' && Object.hasOwn(DELIMITERS, delimiter)
      ? DELIMITERS[delimiter]!
      : delimiter;
  requireOption(
    typeof character === 'string' && character.length === 1,
    option,
    'must be SPACE, COMMA, SEMICOLON or one character',
  );
  return character;
}

function words(value: string, delimiter: string): string[] {
  return value.split(delimiter).filter((word) => word.length > 0);
}

function integerOf(value: unknown): number | undefined {
  if (typeof value === 'number') return Number.isSafeInteger(value) ? value : undefined;
  // Up to 16 digits: every safe integer an expected value may be (2^53 - 1 has 16) is matched by its
  // string form too; a longer string could round to a safe integer it does not spell.
  if (typeof value !== 'string' || !/^-?\d{1,16}$/.test(value)) return undefined;
  const integer = Number(value);
  return Number.isSafeInteger(integer) ? integer : undefined;
}

function booleanOf(value: unknown): boolean | undefined {
  if (typeof value === 'boolean') return value;
  if (typeof value !== 'string') return undefined;
  const lower = value.toLowerCase();
  return lower === 'true' ? true : lower === 'false' ? false : undefined;
}
