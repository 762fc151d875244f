import { afterEach, describe, expect, it, vi } from 'vitest';
import { retryAfterMs, retryWithinBudget } from '../../src/http/bounded-retry.js';

// The pieces the introspection resolver's retries are made of: reading Retry-After, and a retry loop that
// waits as long as a failure asks, or not at all when that is past the budget.

afterEach(() => {
  vi.useRealTimers();
});

describe('retryAfterMs reads an HTTP Retry-After (RFC 9110 §10.2.3)', () => {
  const now = Date.parse('2030-01-01T00:00:00Z');

  it.each([
    ['delta-seconds', '30', 30_000],
    ['zero seconds', '0', 0],
    ['an IMF-fixdate', 'Tue, 01 Jan 2030 00:01:00 GMT', 60_000],
    ['an RFC 850 date', 'Tuesday, 01-Jan-30 00:00:10 GMT', 10_000],
    ['an asctime date, which is GMT', 'Tue Jan  1 00:00:05 2030', 5_000],
    ['a date already past', 'Mon, 31 Dec 2029 23:00:00 GMT', 0],
  ])('%s', (_name, value, expected) => {
    expect(retryAfterMs(value, now)).toBe(expected);
  });

  it.each([
    ['no header', undefined],
    ['words', 'soon'],
    ['a negative number', '-5'],
    ['a fraction', '1.5'],
    ['an ISO date', '2030-01-01T00:01:00Z'],
    ['a date in local time', 'Tue, 01 Jan 2030 00:01:00'],
  ])('asks for nothing with %s', (_name, value) => {
    expect(retryAfterMs(value, now)).toBeUndefined();
  });
});

describe('retryWithinBudget with a failure that asks for a wait', () => {
  /** An attempt that fails `failures` times; records when each attempt started (fake time). */
  function flaky(failures: number) {
    const startedAt: number[] = [];
    const attempt = async () => {
      startedAt.push(Date.now());
      if (startedAt.length <= failures) throw new Error(`attempt ${startedAt.length} failed`);
      return 'answer';
    };
    return { attempt, startedAt };
  }

  it('waits the longer of the wait asked for and the retry delay', async () => {
    vi.useFakeTimers();
    const { attempt, startedAt } = flaky(1);
    const result = retryWithinBudget(attempt, {
      budgetMs: 5_000,
      retries: 1,
      retryDelayMs: 100,
      retryAfterMs: () => 2_000,
    });
    await vi.advanceTimersByTimeAsync(2_000);
    await expect(result).resolves.toBe('answer');
    expect(startedAt[1]! - startedAt[0]!).toBe(2_000);
  });

  it('makes no retry when the wait asked for would use up the budget', async () => {
    vi.useFakeTimers();
    const { attempt, startedAt } = flaky(5);
    await expect(
      retryWithinBudget(attempt, {
        budgetMs: 5_000,
        retries: 3,
        retryDelayMs: 100,
        retryAfterMs: () => 5_000,
      }),
    ).rejects.toThrow('attempt 1 failed');
    expect(startedAt).toHaveLength(1);
  });

  it('asks again after the pause whether a retry is still welcome', async () => {
    vi.useFakeTimers();
    const { attempt, startedAt } = flaky(5);
    let welcome = true;
    const result = retryWithinBudget(attempt, {
      budgetMs: 5_000,
      retries: 3,
      retryDelayMs: 100,
      retryable: () => welcome,
    });
    const settled = expect(result).rejects.toThrow('attempt 1 failed');
    // Meanwhile another request found the server down.
    welcome = false;
    await vi.advanceTimersByTimeAsync(100);
    await settled;
    expect(startedAt).toHaveLength(1);
  });
});
