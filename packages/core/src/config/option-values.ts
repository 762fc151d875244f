import { RsConfigError, requireOption } from './config-error.js';
import { hasStrayCharacters } from './option-schema.js';

/** A number option that may be zero (a cooldown, a TTL), or its default when absent. */
export function nonNegativeOption(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  requireOption(
    typeof value === 'number' && Number.isFinite(value) && value >= 0,
    option,
    'must be a non-negative number',
  );
  return value;
}

/** A number option that must be above zero (a timeout, a size limit), or its default when absent. */
export function positiveOption(value: number | undefined, fallback: number, option: string): number {
  if (value === undefined) return fallback;
  requireOption(
    typeof value === 'number' && Number.isFinite(value) && value > 0,
    option,
    'must be a positive number',
  );
  return value;
}

/**
 * A "one or several strings" option (issuers, audiences) as a set; `undefined` when absent and not
 * required.
 */
export function stringSetOption(
  value: string | readonly string[] | undefined,
  option: string,
  required: boolean,
): ReadonlySet<string> | undefined {
  if (value === undefined) {
    if (required) throw new RsConfigError(option, 'is required');
    return undefined;
  }
  const list = typeof value === 'string' ? [value] : value;
  requireOption(
    Array.isArray(list) && list.length > 0,
    option,
    'must be a non-empty string or array of strings',
  );
  for (const item of list) {
    requireOption(typeof item === 'string' && item.length > 0, option, 'must contain only non-empty strings');
    // Pasted from a file with its line break, or quoted with a space: no token's value would ever equal it.
    requireOption(item.trim() === item, option, 'must not begin or end with white space');
    // With the ends checked, what is left stray is a control character.
    requireOption(!hasStrayCharacters(item), option, 'must not contain control characters');
  }
  return new Set(list);
}
