import { RsConfigError } from './config-error.js';
import { unknownOption } from './option-names.js';
import { shownKey } from './shown-key.js';

/**
 * One option's rule: what its value must be. `check` throws an {@link RsConfigError} naming `path` when the
 * value breaks the rule; it is never called with `undefined` (an absent option is left to its default).
 */
export interface OptionRule {
  /** What the value must be, for error messages: "a non-empty string". */
  readonly expected: string;
  /** Throws an `RsConfigError` naming `path` when `value` breaks the rule. */
  check(value: unknown, path: string): void;
}

/**
 * The options a factory knows, each with its rule. Typed against the options interface, so that an option
 * added to the interface but not to the schema fails to compile rather than being refused at run time.
 */
export type OptionSchema<T = Record<string, unknown>> = { readonly [K in keyof T]-?: OptionRule };

/**
 * Checks an options object at start-up: it must be a plain object (as a literal, or parsed from JSON or
 * YAML), every key must be one the factory knows (a misspelled option would otherwise be ignored and the
 * check it meant to set skipped), and every present value must follow its rule. Throws
 * {@link RsConfigError} naming the full path (`jwtResolver.audiences`) and, for an unknown key, the
 * nearest known name.
 *
 * @example
 * ```ts
 * checkOptions({ audiences: 'api' }, { audience: stringOrStrings }, 'jwtResolver');
 * // RsConfigError: @rs: invalid option "jwtResolver.audiences": unknown option; did you mean "audience"?
 * ```
 */
export function checkOptions(options: unknown, schema: OptionSchema<object>, path: string): void {
  if (!isPlainObject(options)) throw new RsConfigError(path || 'options', 'must be a plain object');
  const rules = schema as Readonly<Record<string, OptionRule>>;
  // `createResourceServer(jwtResolver(…))`: the resolver where its options belong. Its first member
  // would be named an unknown option, which says nothing of the mistake.
  if (
    Object.hasOwn(rules, 'resolver') &&
    !Object.hasOwn(options, 'resolver') &&
    typeof options.resolve === 'function'
  ) {
    throw new RsConfigError(
      path || 'options',
      'is a token resolver, given where the options belong: write { resolver: jwtResolver(…) }',
    );
  }
  for (const key of Object.keys(options)) {
    const rule = Object.hasOwn(rules, key) ? rules[key] : undefined;
    const keyPath = path === '' ? key : `${path}.${key}`;
    if (rule === undefined) throw new RsConfigError(keyPath, unknownOption(key, Object.keys(rules)));
    const value = options[key];
    if (value !== undefined) rule.check(value, keyPath);
  }
}

/**
 * Refuses `key` written out as `undefined` in `options`. Left out, an option takes its default; written
 * out unset (`secret: process.env.X` with X unset) it is a value that failed to load, and reading it as
 * the default would drop what it was meant to set (a requirement, a shared secret). `problem` says so in
 * the option's own words. `checkOptions` leaves `undefined` values alone: most options mean nothing
 * different either way.
 */
export function refuseGivenUndefined(options: object, key: string, option: string, problem: string): void {
  if (Object.hasOwn(options, key) && (options as Record<string, unknown>)[key] === undefined)
    throw new RsConfigError(option, problem);
}

/** An object made by `{…}` or parsed from JSON/YAML: not an array, a class instance, a map or a date. */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

function rule(expected: string, accepts: (value: unknown) => boolean): OptionRule {
  return {
    expected,
    check(value, path) {
      if (!accepts(value)) throw new RsConfigError(path, `must be ${expected}`);
    },
  };
}

/**
 * Whether every entry of `list` is accepted, holes included: `new Array(2)` has two entries, both
 * `undefined`, where `Array#every` skips them and accepts a list of nothing.
 */
export function everyEntry(list: readonly unknown[], accepts: (entry: unknown) => boolean): boolean {
  for (let index = 0; index < list.length; index++) if (!accepts(list[index])) return false;
  return true;
}

/** Whether `value` is a string of at least one character. */
export const isNonEmptyString = (value: unknown): value is string =>
  typeof value === 'string' && value.length > 0;
const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/** A non-empty string. */
export const nonEmptyString: OptionRule = rule('a non-empty string', isNonEmptyString);
/** `true` or `false`. */
export const boolean: OptionRule = rule('true or false', (value) => typeof value === 'boolean');
/** A function. */
export const func: OptionRule = rule('a function', (value) => typeof value === 'function');
/** A finite number above zero (a timeout, a size). */
export const positiveNumber: OptionRule = rule(
  'a positive number',
  (value) => isFiniteNumber(value) && value > 0,
);
/** A finite number, zero or more (a TTL, a skew). */
export const nonNegativeNumber: OptionRule = rule(
  'a non-negative number',
  (value) => isFiniteNumber(value) && value >= 0,
);
/**
 * The longest delay a timer takes, 2³¹ − 1 ms (about 24.8 days). Node fires a longer `setTimeout` at once
 * and `AbortSignal.timeout` throws above 2³² − 1, so a longer timeout would only fail at the first request.
 */
export const MAX_TIMER_MS = 2_147_483_647;
/**
 * A number of `unit` from `min` to `max`, both included (`max` may be infinite): one rule, so one message
 * whatever the mistake (0, a negative number, `NaN`, seconds given for milliseconds).
 */
export function numberBetween(min: number, max: number, unit: string): OptionRule {
  const expected =
    max === Number.POSITIVE_INFINITY
      ? `a number of ${unit}, at least ${min}`
      : `a number of ${unit} from ${min} to ${max}`;
  return rule(expected, (value) => isFiniteNumber(value) && value >= min && value <= max);
}

/**
 * A timeout or a delay in milliseconds: at least 1 (a fraction of a millisecond is a units mistake that
 * could never be waited for), and no longer than a timer can wait.
 */
export const timerMilliseconds: OptionRule = numberBetween(1, MAX_TIMER_MS, 'milliseconds');
/**
 * The most clock skew @rs allows, in seconds: 5 minutes, the largest default among common libraries
 * (Microsoft's). More is no longer skew but tokens accepted long after they expired, and is most often
 * milliseconds given where seconds are meant.
 */
export const MAX_SKEW_SECONDS = 300;
/** A clock skew or a time window in seconds, from 0 to {@link MAX_SKEW_SECONDS}. */
export const skewSeconds: OptionRule = rule(
  `a number of seconds from 0 to ${MAX_SKEW_SECONDS}`,
  (value) => isFiniteNumber(value) && value >= 0 && value <= MAX_SKEW_SECONDS,
);
/** A clock skew in milliseconds, from 0 to {@link MAX_SKEW_SECONDS} seconds. */
export const skewMilliseconds: OptionRule = rule(
  `a number of milliseconds from 0 to ${MAX_SKEW_SECONDS * 1000}`,
  (value) => isFiniteNumber(value) && value >= 0 && value <= MAX_SKEW_SECONDS * 1000,
);
/** An integer above zero (a count). */
export const positiveInteger: OptionRule = rule(
  'a positive integer',
  (value) => Number.isSafeInteger(value) && (value as number) > 0,
);
/**
 * The most entries an in-memory bound of @rs may be given (`tokenCache` and `memoryTokenCacheStore`,
 * `verifiedTokenCache.maxEntries`, `memoryReplayStore`'s `maxEntries`, `revocationList`'s `maxMarkers`):
 * 10 000 000, a hundred times and more the defaults (10 000 to 100 000) and already gigabytes of memory. A larger bound is no bound: the
 * process runs out of memory before it is reached. It is most often a slip (`1e15`, bytes given for a count).
 */
export const MAX_ENTRIES_CEILING = 10_000_000;
/**
 * A bound on the entries held in memory: a whole number of `unit` from 1 to {@link MAX_ENTRIES_CEILING}.
 *
 * @example
 * ```ts
 * const OPTIONS = { maxMarkers: entryCount('markers') };
 * // refuses 1e15: must be a whole number of markers from 1 to 10000000
 * ```
 */
export function entryCount(unit = 'entries'): OptionRule {
  return integerBetween(1, MAX_ENTRIES_CEILING, unit);
}
/** An integer, zero or more. */
export const nonNegativeInteger: OptionRule = rule(
  'a non-negative integer',
  (value) => Number.isSafeInteger(value) && (value as number) >= 0,
);
// C0 and C1 control characters: a line break or NUL read from a file or the environment.
const CONTROL_CHARACTER = /\p{Cc}/u;

/**
 * Whether a configured string carries what only a mistake puts there: white space at either end (a
 * file's trailing line break, a quoting space) or a control character anywhere. Compared exactly, or
 * sent as written, such a value matches nothing the other side holds. Spaces inside are left alone.
 */
export function hasStrayCharacters(value: string): boolean {
  return value.trim() !== value || CONTROL_CHARACTER.test(value);
}

/**
 * A name compared exactly with what tokens carry (a claim name): a non-empty string without white space
 * at either end or control characters ({@link hasStrayCharacters}).
 */
export const exactName: OptionRule = rule(
  'a non-empty string without white space at either end or control characters',
  (value) => isNonEmptyString(value) && !hasStrayCharacters(value),
);
/** A non-empty array of non-empty strings. */
export const stringList: OptionRule = rule(
  'a non-empty array of non-empty strings',
  (value) => Array.isArray(value) && value.length > 0 && everyEntry(value, isNonEmptyString),
);
/** One non-empty string, or a non-empty array of them (issuers, audiences). */
export const stringOrStrings: OptionRule = rule(
  'a non-empty string or a non-empty array of non-empty strings',
  (value) =>
    isNonEmptyString(value) ||
    (Array.isArray(value) && value.length > 0 && everyEntry(value, isNonEmptyString)),
);
/** A string, or bytes (secrets, passwords, PEM text). */
export const stringOrBytes: OptionRule = rule(
  'a non-empty string or a Uint8Array',
  (value) => isNonEmptyString(value) || value instanceof Uint8Array,
);
/** An absolute URL, as a string or a `URL` (the factory checks its scheme). */
export const urlString: OptionRule = rule(
  'a URL string',
  (value) => isNonEmptyString(value) || value instanceof URL,
);
/** Anything present: for values the factory itself checks in depth (a JWK, a key set). */
export const anyValue: OptionRule = rule('a value', () => true);

/** One of the given values. */
export function oneOf(...values: readonly unknown[]): OptionRule {
  return rule(`one of ${values.map((value) => JSON.stringify(value)).join(', ')}`, (value) =>
    values.includes(value),
  );
}

/** An integer from `min` to `max`, both included, of `unit` when given (`'milliseconds'`). */
export function integerBetween(min: number, max: number, unit?: string): OptionRule {
  return rule(
    `${unit === undefined ? 'an integer' : `a whole number of ${unit}`} from ${min} to ${max}`,
    (value) => Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max,
  );
}

/** An object (a key source, a store, a client) with the given methods, e.g. `objectWith('a resolver', 'resolve')`. */
export function objectWith(expected: string, ...methods: readonly string[]): OptionRule {
  return rule(
    expected,
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      methods.every((method) => typeof (value as Record<string, unknown>)[method] === 'function'),
  );
}

/** A nested plain object, checked against its own schema: unknown keys are refused there too. */
export function shape<T extends object>(schema: OptionSchema<T>): OptionRule {
  return {
    expected: 'an object',
    check: (value, path) => checkOptions(value, schema, path),
  };
}

/**
 * A plain object whose keys are free (secret IDs, issuers) and whose values follow `item`. A key is named
 * in messages without the credentials or query of a URL ({@link shownKey}).
 */
export function recordOf(item: OptionRule): OptionRule {
  return {
    expected: `an object of ${item.expected}`,
    check(value, path) {
      if (!isPlainObject(value)) throw new RsConfigError(path, 'must be a plain object');
      for (const key of Object.keys(value)) item.check(value[key], `${path}[${shownKey(key)}]`);
    },
  };
}

/** An array whose every entry follows `item`; `nonEmpty` refuses `[]`. */
export function arrayOf(item: OptionRule, nonEmpty = false): OptionRule {
  const expected = `${nonEmpty ? 'a non-empty ' : 'an '}array of ${item.expected}`;
  return {
    expected,
    check(value, path) {
      if (!Array.isArray(value) || (nonEmpty && value.length === 0))
        throw new RsConfigError(path, `must be ${expected}`);
      for (let index = 0; index < value.length; index++) item.check(value[index], `${path}[${index}]`);
    },
  };
}

/**
 * A list of requirements: a non-empty array whose every entry follows `item`. Empty, such a list would
 * require nothing, and it is most often one that failed to load (`JSON.parse(process.env.X ?? '[]')`),
 * never a deliberate "no requirement" (the option left out says that): `[]` is refused with
 * `whyNotEmpty`, which says what it would have meant and what to write instead.
 *
 * @example
 * ```ts
 * const claims = requirementList(claimCheck, 'a list of claim checks needs at least one check (…)');
 * ```
 */
export function requirementList(item: OptionRule, whyNotEmpty: string): OptionRule {
  const list = arrayOf(item, true);
  return {
    expected: list.expected,
    check(value, path) {
      if (Array.isArray(value) && value.length === 0) throw new RsConfigError(path, whyNotEmpty);
      list.check(value, path);
    },
  };
}

/**
 * The first rule that accepts the value. When none does, the error of a nested object (an unknown key
 * inside it) is the more useful one and is kept; otherwise all the alternatives are named.
 */
export function either(...rules: readonly OptionRule[]): OptionRule {
  const expected = rules.map((alternative) => alternative.expected).join(' or ');
  return {
    expected,
    check(value, path) {
      let nested: RsConfigError | undefined;
      for (const alternative of rules) {
        try {
          alternative.check(value, path);
          return;
        } catch (error) {
          if (!(error instanceof RsConfigError)) throw error;
          if (error.option !== path) nested ??= error;
        }
      }
      throw nested ?? new RsConfigError(path, `must be ${expected}`);
    },
  };
}
