import { RsConfigError } from '@rs/core';

/** The two ways to reach Redis that both stores accept. */
export interface ConnectionOptions {
  readonly client?: unknown;
  readonly url?: string;
}

/** Throws unless exactly one of `client` and `url` is given. */
export function requireOneConnection(options: ConnectionOptions, factory: string): void {
  if ((options.client === undefined) === (options.url === undefined)) {
    throw new RsConfigError(`${factory}.client`, 'give exactly one of `client` and `url`');
  }
}

/** The value, or `fallback` when absent; throws unless it is a non-empty string. */
export function nonEmptyString(
  value: string | undefined,
  fallback: string,
  factory: string,
  option: string,
): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || value.length === 0) {
    throw new RsConfigError(`${factory}.${option}`, 'must be a non-empty string');
  }
  return value;
}

/** The value, or `fallback` when absent; throws unless it is a positive integer. */
export function positiveInteger(
  value: number | undefined,
  fallback: number,
  factory: string,
  option: string,
): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value <= 0) {
    throw new RsConfigError(`${factory}.${option}`, 'must be a positive integer');
  }
  return value;
}
