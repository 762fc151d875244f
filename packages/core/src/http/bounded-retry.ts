/** How {@link retryWithinBudget} spends its time. Durations are in milliseconds. */
export interface RetryBudget {
  /** The whole budget: every attempt and every pause between attempts fit in it. */
  readonly budgetMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** Pause before the first retry, doubled for each next one. */
  readonly retryDelayMs: number;
  /**
   * Whether a failed attempt is worth another; default every failure is. Asked again before each retry,
   * so it may also say that retrying has become unwelcome meanwhile (a server found down by others).
   */
  readonly retryable?: ((error: unknown) => boolean) | undefined;
  /**
   * The least pause a failure asks for before the next attempt (an HTTP `Retry-After`), or `undefined`.
   * A retry waits for the longer of it and `retryDelayMs`, and is not made when that wait would use up
   * the budget: the server asked not to be called again within it.
   */
  readonly retryAfterMs?: ((error: unknown) => number | undefined) | undefined;
}

/**
 * Runs `attempt` until it succeeds, at most `1 + retries` times, all within one budget: each attempt is
 * given the time left (`remainingMs`, for its own timeout), and no retry starts when its pause would use
 * up the rest. Throws what the last attempt threw. The budget is counted on the monotonic clock
 * (`performance.now()`): a step of the system clock (NTP, a virtual machine resumed) neither lengthens
 * nor shortens it.
 *
 * Each call of `attempt` must build what it sends anew: a retry resends nothing of an earlier attempt,
 * since part of a request may be good once only (a client assertion's `jti`, a DPoP proof), and the
 * server may have seen the earlier one even when its answer was lost.
 *
 * @example
 * ```ts
 * const response = await retryWithinBudget(
 *   (remainingMs) => http.send({ method: 'POST', url, body: newBody(), timeoutMs: remainingMs, maxResponseBytes }),
 *   { budgetMs: 5_000, retries: 1, retryDelayMs: 100 },
 * );
 * ```
 */
export async function retryWithinBudget<T>(
  attempt: (remainingMs: number) => Promise<T>,
  budget: RetryBudget,
): Promise<T> {
  // Not `Date.now()`: set back while an attempt runs, it would hand the next one the step as extra time.
  const deadline = performance.now() + budget.budgetMs;
  let lastError: unknown = new Error(`no time left within ${budget.budgetMs} ms`);
  for (let attemptIndex = 0; attemptIndex <= budget.retries; attemptIndex++) {
    // Whole milliseconds, as timeouts are given and reported.
    const remainingMs = Math.ceil(deadline - performance.now());
    if (remainingMs <= 0) break;
    try {
      return await attempt(remainingMs);
    } catch (error) {
      lastError = error;
      if (budget.retryable !== undefined && !budget.retryable(error)) break;
    }
    const pause = Math.max(budget.retryDelayMs * 2 ** attemptIndex, budget.retryAfterMs?.(lastError) ?? 0);
    // No time left for the pause means no time for a useful retry either.
    if (attemptIndex === budget.retries || deadline - performance.now() <= pause) break;
    await sleep(pause);
    // Whether a retry is still welcome may have changed during the pause.
    if (budget.retryable !== undefined && !budget.retryable(lastError)) break;
  }
  throw lastError;
}

// RFC 9110 §5.6.7: an HTTP-date is an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), or one of two obsolete
// forms a recipient must still read: RFC 850's (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime's
// (`Sun Nov  6 08:49:37 1994`), which is GMT too though it does not say so.
const GMT_DATE = /^[A-Za-z]{3,9}, [\dA-Za-z -]+ \d{2}:\d{2}:\d{2} GMT$/;
const ASCTIME_DATE = /^[A-Za-z]{3} [A-Za-z]{3} [ \d]\d \d{2}:\d{2}:\d{2} \d{4}$/;

/**
 * Milliseconds an HTTP `Retry-After` value (RFC 9110 §10.2.3) asks to wait from `now`: delta-seconds
 * (`120`) or an HTTP-date (`Fri, 31 Dec 1999 23:59:59 GMT`; 0 once past). `undefined` for no header or one
 * that is neither: a value nobody can read asks for nothing.
 *
 * @example
 * ```ts
 * retryAfterMs('30', Date.now()); // 30_000
 * ```
 */
export function retryAfterMs(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = httpDateMs(text);
  return at === undefined ? undefined : Math.max(0, at - now);
}

/**
 * When an answer was sent, on the server's clock: its `Date` header (RFC 9110 §6.6.1), else this
 * system's time. A `Retry-After` date is written on the server's clock: measured from the `Date` beside
 * it, the wait is the one the server asks for whatever this system's clock says (set an hour back, it
 * would read an hour more; set ahead, none).
 *
 * @example
 * ```ts
 * retryAfterMs(response.header('retry-after'), sentAt(response.header('date')));
 * ```
 */
export function sentAt(dateHeader: string | undefined): number {
  return (dateHeader === undefined ? undefined : httpDateMs(dateHeader.trim())) ?? Date.now();
}

/** An HTTP-date in any of its three forms, in ms since the epoch; `undefined` for anything else. */
function httpDateMs(text: string): number | undefined {
  let at = Number.NaN;
  if (GMT_DATE.test(text)) at = Date.parse(text);
  else if (ASCTIME_DATE.test(text)) at = Date.parse(`${text} GMT`);
  return Number.isNaN(at) ? undefined : at;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
