import { throttledConsoleError } from './throttled-console-error.js';

/**
 * The default of a factory's error hook (`introspectionResolver`'s `onError`, `remoteJwks`'s
 * `onFetchError`) when the application gives none. Of the errors it is told, those `isMisconfiguration`
 * picks (mistakes no retry mends: a wrong URL, refused credentials) are written to `console.error` after
 * `heading`, at most one line a minute for each reporter made ({@link throttledConsoleError}); the others
 * (an outage, which passes) are left to `status()`. Only the error's message is written: messages of @rs
 * name URLs and problems, never a token or a secret.
 *
 * @example
 * ```ts
 * const report = misconfigurationReporter(
 *   'token introspection is misconfigured',
 *   (error: IntrospectionError) => error.code === 'ERR_RS_INTROSPECTION_MISCONFIGURED',
 * );
 * ```
 */
export function misconfigurationReporter<E extends Error>(
  heading: string,
  isMisconfiguration: (error: E) => boolean,
): (error: E) => void {
  const write = throttledConsoleError();
  return (error) => {
    if (isMisconfiguration(error)) write(`@rs: ${heading}: ${error.message}`);
  };
}
