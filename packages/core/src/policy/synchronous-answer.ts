import { RsConfigError } from '../config/config-error.js';

// Conditions an application gives (claim checks, computed scope requirements) answer synchronously: a
// promise is truthy whatever it resolves to, so it must never be read as an answer.

/** Why a claim condition is refused for being `async`. */
export const SYNCHRONOUS =
  'must be synchronous, returning true or false: an async function returns a promise, which is no answer';

const ASYNC_FUNCTION_TAGS: ReadonlySet<string> = new Set([
  '[object AsyncFunction]',
  '[object AsyncGeneratorFunction]',
]);

/**
 * Whether `value` was declared `async` (an `async function` or an `async function*`). Its promise (or
 * async iterator) is truthy whatever it resolves to, so such a condition is refused when configured; one
 * that only returns a promise (a bound or transpiled async function) is caught at request time by
 * {@link isThenable}.
 */
export function isAsyncFunction(value: unknown): boolean {
  return typeof value === 'function' && ASYNC_FUNCTION_TAGS.has(Object.prototype.toString.call(value));
}

/** Whether `value` is a promise or promise-like: what an asynchronous condition returns. */
export function isThenable(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/**
 * The error for a condition (`subject`) that answered a request with a promise where it should have
 * returned `answer`: a bug in the application, thrown so that the request fails loudly rather than
 * passing or being refused as if the token fell short. The promise's rejection, if it comes, is handled
 * here: unhandled, it could end the process.
 */
export function asynchronousAnswer(
  result: PromiseLike<unknown>,
  option: string,
  subject: string,
  answer = 'true or false',
): RsConfigError {
  Promise.resolve(result).catch(() => undefined);
  return new RsConfigError(
    option,
    `${subject} returned a promise: it must be synchronous, returning ${answer}`,
  );
}
