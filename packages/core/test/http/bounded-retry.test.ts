import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { retryWithinBudget } from '../../src/http/bounded-retry.js';

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

/** An attempt that fails `failures` times, then answers; records the time each attempt was given. */
function flaky(failures: number, spendMs = 0) {
  const given: number[] = [];
  const attempt = async (remainingMs: number) => {
    given.push(remainingMs);
    if (spendMs > 0) await vi.advanceTimersByTimeAsync(spendMs);
    if (given.length <= failures) throw new Error(`attempt ${given.length} failed`);
    return 'answer';
  };
  return { attempt, given };
}

describe('retryWithinBudget', () => {
  it('retries after a pause that doubles, and answers with the first success', async () => {
    const { attempt, given } = flaky(2);
    const result = retryWithinBudget(attempt, { budgetMs: 5_000, retries: 2, retryDelayMs: 100 });
    await vi.advanceTimersByTimeAsync(100 + 200);
    await expect(result).resolves.toBe('answer');
    expect(given).toEqual([5_000, 4_900, 4_700]);
  });

  it('throws what the last attempt threw once the retries are used up', async () => {
    const { attempt, given } = flaky(5);
    const result = retryWithinBudget(attempt, { budgetMs: 5_000, retries: 1, retryDelayMs: 100 });
    const settled = expect(result).rejects.toThrow('attempt 2 failed');
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    expect(given).toHaveLength(2);
  });

  it('starts no retry whose pause would use up the budget', async () => {
    // The first attempt spends 950 of 1 000 ms: a 100 ms pause would leave nothing for a retry.
    const { attempt, given } = flaky(5, 950);
    await expect(
      retryWithinBudget(attempt, { budgetMs: 1_000, retries: 3, retryDelayMs: 100 }),
    ).rejects.toThrow('attempt 1 failed');
    expect(given).toEqual([1_000]);
  });

  it('does not retry a failure that is not retryable', async () => {
    const { attempt, given } = flaky(5);
    await expect(
      retryWithinBudget(attempt, {
        budgetMs: 5_000,
        retries: 3,
        retryDelayMs: 100,
        retryable: () => false,
      }),
    ).rejects.toThrow('attempt 1 failed');
    expect(given).toHaveLength(1);
  });
});
