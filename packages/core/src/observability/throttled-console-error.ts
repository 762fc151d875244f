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
  let lastWritten = { monotonic: Number.NEGATIVE_INFINITY, wall: Number.NEGATIVE_INFINITY };
  return (message) => {
    const now = { monotonic: performance.now(), wall: Date.now() };
    // The minute is counted on the monotonic clock: on `Date.now()` alone, a system clock set back (an
    // NTP step, a virtual machine resumed) would keep the line unwritten for as long as the step. The
    // system clock may only end it early (set forward, or moved alone by fake timers in a test).
    const elapsed = Math.max(now.monotonic - lastWritten.monotonic, now.wall - lastWritten.wall);
    if (elapsed < REPORT_INTERVAL_MS) return;
    lastWritten = now;
    console.error(message);
  };
}
