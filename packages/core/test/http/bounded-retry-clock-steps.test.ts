import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retryWithinBudget } from '../../src/http/bounded-retry.js';

// Fake timers move `performance.now()` with the timers; `vi.setSystemTime` steps `Date` alone, as NTP or a
// resumed virtual machine steps the system clock.
const START = Date.UTC(2030, 0, 1);
const HOUR_MS = 3_600_000;

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date', 'performance'] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

/**
 * An attempt that, as an HTTP exchange with its own timeout, fails after `spendMs` or the time it was
 * given, whichever is less, and steps the system clock by `stepMs` while it runs.
 */
function steppingAttempt(spendMs: number, stepMs: number) {
  const given: number[] = [];
  const attempt = async (remainingMs: number): Promise<never> => {
    given.push(remainingMs);
    vi.setSystemTime(Date.now() + stepMs);
    await new Promise((resolve) => setTimeout(resolve, Math.min(spendMs, remainingMs)));
    throw new Error(`attempt ${given.length} failed`);
  };
  return { attempt, given };
}

describe('retryWithinBudget counts its budget on the monotonic clock', () => {
  it('a system clock set back during an attempt gives no retry extra time: the total stays within the budget', async () => {
    const { attempt, given } = steppingAttempt(400, -HOUR_MS);
    const startedAt = performance.now();
    const result = retryWithinBudget(attempt, { budgetMs: 1_000, retries: 5, retryDelayMs: 10 });
    const settled = expect(result).rejects.toThrow('attempt 3 failed');
    await vi.runAllTimersAsync();
    await settled;

    // 400 ms, a 10 ms pause, 400 ms, a 20 ms pause, and the 170 ms left: not an hour more for each retry.
    expect(given).toEqual([1_000, 590, 170]);
    expect(performance.now() - startedAt).toBeLessThanOrEqual(1_000);
  });

  it('a system clock set forward during an attempt does not cut the budget', async () => {
    const { attempt, given } = steppingAttempt(400, HOUR_MS);
    const result = retryWithinBudget(attempt, { budgetMs: 1_000, retries: 5, retryDelayMs: 10 });
    const settled = expect(result).rejects.toThrow('attempt 3 failed');
    await vi.runAllTimersAsync();
    await settled;

    expect(given).toEqual([1_000, 590, 170]);
  });
});
