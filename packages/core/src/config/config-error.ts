/**
 * Thrown when the resource server is built with options that cannot work. The message names the option,
 * so a misconfiguration surfaces at start-up, not at the first request.
 */
export class RsConfigError extends Error {
  /** Stable code for programmatic checks. */
  readonly code = 'ERR_RS_CONFIG';
  /** The option at fault, as a dotted path such as `jwt.issuer`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`@rs: invalid option "${option}": ${problem}`);
    this.name = 'RsConfigError';
    this.option = option;
  }
}

/** Throws an {@link RsConfigError} unless `condition` holds. */
export function requireOption(condition: unknown, option: string, problem: string): asserts condition {
  if (!condition) throw new RsConfigError(option, problem);
}
