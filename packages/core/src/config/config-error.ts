import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';

/**
 * Thrown when the resource server is built with options that cannot work. The message names the option,
 * so a misconfiguration surfaces at start-up, not at the first request.
 */
export class RsConfigError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/RsConfigError';
  override name = 'RsConfigError';
  declare readonly code: 'ERR_RS_CONFIG';
  /**
   * The option at fault, as a dotted path led by the factory that takes it, such as `jwtResolver.issuer`
   * or `remoteJwks.url`; options of `createResourceServer` (and so of every adapter) have no prefix.
   */
  readonly option: string;
  /** What is wrong with it, as the message says after naming the option. */
  readonly problem: string;

  /** `cause`: what was thrown while reading the option (a store that failed), kept for loggers. */
  constructor(option: string, problem: string, options?: { cause?: unknown }) {
    super('ERR_RS_CONFIG', `@rs: invalid option "${option}": ${problem}`, options);
    this.option = option;
    this.problem = problem;
  }
}

/** Throws an {@link RsConfigError} unless `condition` holds. */
export function requireOption(condition: unknown, option: string, problem: string): asserts condition {
  if (!condition) throw new RsConfigError(option, problem);
}
