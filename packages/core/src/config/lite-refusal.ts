import { RsConfigError } from './config-error.js';
import type { OptionRule } from './option-schema.js';

/**
 * The error for an option `@rs/core/lite` (or `@rs/fetch/lite`) cannot honour, passed from JavaScript
 * or untyped configuration: refused at the factory, never ignored, since ignoring it would skip the
 * check it asks for.
 */
export function refusedInLite(option: string): RsConfigError {
  return new RsConfigError(
    option,
    "is not available in the lite entry; import from @rs/core (or the adapter's main entry) instead",
  );
}

/** The rule of an option the lite entry leaves out: any value given is refused with {@link refusedInLite}. */
export const notInLite: OptionRule = {
  expected: 'absent in the lite entry',
  check(_value, path) {
    throw refusedInLite(path);
  },
};
