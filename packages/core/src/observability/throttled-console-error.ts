/** How often a default reporter writes at most: a misconfiguration hit on every request stays one line. */
const REPORT_INTERVAL_MS = 60_000;

/**
 * Where a misconfiguration found at request time goes when the application gave no handler of its own:
 * `console.error`, at most one line a minute for each reporter made (one per resolver or resource server),
 * so that a mistake hit on every request is seen without flooding the log. Messages name options and
 * problems, never a request or a token.
 *
 * @example
 * ```ts
 * const report = throttledConsoleError();
 * report('@rs: token introspection is misconfigured: …');
 * ```
 */
export function throttledConsoleError(): (message: string) => void {
  let lastWrittenAt = Number.NEGATIVE_INFINITY;
  return (message) => {
    const now = Date.now();
    if (now - lastWrittenAt < REPORT_INTERVAL_MS) return;
    lastWrittenAt = now;
    console.error(message);
  };
}
