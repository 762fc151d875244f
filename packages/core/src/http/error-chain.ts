/**
 * `error` and its causes, outermost first, at most `maxLength` of them: what the runtime's HTTP client
 * threw is wrapped once by `fetch` ("fetch failed"), once more by ours, and perhaps by a wrapper of the
 * user's, so the fact a caller looks for (a code, an unparsed answer) lies a few levels down. A `cause`
 * getter that throws ends the chain; reading the yielded errors is the caller's to guard.
 *
 * @example
 * ```ts
 * for (const link of errorChain(error, 4)) if (link.code === 'ECONNREFUSED') return true;
 * ```
 */
export function* errorChain(error: unknown, maxLength: number): Generator<Record<string, unknown>> {
  let current = error;
  for (let length = 0; length < maxLength && typeof current === 'object' && current !== null; length++) {
    yield current as Record<string, unknown>;
    try {
      current = (current as { cause?: unknown }).cause;
    } catch {
      return;
    }
  }
}
