/** How {@link retryWithinBudget} spends its time. Durations are in milliseconds. */
export interface RetryBudget {
  /** The whole budget: every attempt and every pause between attempts fit in it. */
  readonly budgetMs: number;
  /** Attempts after the first. */
  readonly retries: number;
  /** Pause before the first retry, doubled for each next one. */
  readonly retryDelayMs: number;
  /** Whether a failed attempt is worth another; default every failure is. */
  readonly retryable?: (error: unknown) => boolean;
}

/**
 * Runs `attempt` until it succeeds, at most `1 + retries` times, all within one budget: each attempt is
 * given the time left (`remainingMs`, for its own timeout), and no retry starts when its pause would use
 * up the rest. Throws what the last attempt threw.
 *
 * @example
 * ```ts
 * const response = await retryWithinBudget(
 *   (remainingMs) => http.send({ method: 'POST', url, body, timeoutMs: remainingMs, maxResponseBytes }),
 *   { budgetMs: 5_000, retries: 1, retryDelayMs: 100 },
 * );
 * ```
 */
export async function retryWithinBudget<T>(
  attempt: (remainingMs: number) => Promise<T>,
  budget: RetryBudget,
): Promise<T> {
  const deadline = Date.now() + budget.budgetMs;
  let lastError: unknown = new Error(`no time left within ${budget.budgetMs} ms`);
  for (let attemptIndex = 0; attemptIndex <= budget.retries; attemptIndex++) {
    const remainingMs = deadline - Date.now();
    if (remainingMs <= 0) break;
    try {
      return await attempt(remainingMs);
    } catch (error) {
      lastError = error;
      if (budget.retryable !== undefined && !budget.retryable(error)) break;
    }
    const pause = budget.retryDelayMs * 2 ** attemptIndex;
    // No time left for the pause means no time for a useful retry either.
    if (attemptIndex === budget.retries || deadline - Date.now() <= pause) break;
    await sleep(pause);
  }
  throw lastError;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
