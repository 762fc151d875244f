import { ERROR_CLASS_BRAND, RsError } from './rs-error.js';

/**
 * What application code threw that is not an `Error` (`throw null`, `Promise.reject()`, a string),
 * wrapped so that it travels as one. Frameworks read a falsy error as none at all (Express's `next(null)`
 * and Fastify's `done(null)` run the next handler, the protected one) and Express's `next('route')` as an
 * instruction, so a resource server's promise never rejects with such a value.
 */
export class RsNonErrorThrown extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/RsNonErrorThrown';
  override name = 'RsNonErrorThrown';
  declare readonly code: 'ERR_RS_NON_ERROR_THROWN';

  /** `source` names the code that threw; the value itself is kept as `cause` only (it may hold a token). */
  constructor(thrown: unknown, source: string) {
    super(
      'ERR_RS_NON_ERROR_THROWN',
      `@rs: ${source} threw ${kindOf(thrown)}, which is not an Error; the request fails (not repeated, as it may quote a token; see this error's cause)`,
      { cause: thrown },
    );
  }
}

/** `thrown` when it is an `Error`, else an {@link RsNonErrorThrown} naming `source` that carries it. */
export function thrownAsError(thrown: unknown, source: string): Error {
  return thrown instanceof Error ? thrown : new RsNonErrorThrown(thrown, source);
}

// The kind of value only: a string or an object's contents may be a token or a secret.
function kindOf(thrown: unknown): string {
  if (thrown === null) return 'null';
  if (thrown === undefined) return 'undefined';
  if (typeof thrown === 'object') return 'an object';
  return `a ${typeof thrown}`;
}
