import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { throttledConsoleError } from '../../src/observability/throttled-console-error.js';

// Fake timers move `performance.now()` and `Date` together; `vi.setSystemTime` steps `Date` alone, as NTP
// or a resumed virtual machine steps the system clock.
const START = Date.UTC(2030, 0, 1);
const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;

let written: ReturnType<typeof vi.spyOn>;
beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  vi.setSystemTime(START);
  written = vi.spyOn(console, 'error').mockImplementation(() => {});
});
afterEach(() => {
  written.mockRestore();
  vi.useRealTimers();
});

describe('throttledConsoleError counts its minute on the monotonic clock', () => {
  it('writes again a minute later though the system clock was set back an hour meanwhile', () => {
    const report = throttledConsoleError();
    report('first');
    vi.setSystemTime(START - HOUR_MS);
    vi.advanceTimersByTime(MINUTE_MS - 1);
    report('within the minute');
    expect(written).toHaveBeenCalledTimes(1);

    vi.advanceTimersByTime(1);
    report('a minute later');
    expect(written).toHaveBeenCalledTimes(2);
    expect(written).toHaveBeenLastCalledWith('a minute later');
  });

  it('still writes at most one line a minute when the clock does not step', () => {
    const report = throttledConsoleError();
    for (let second = 0; second < 3 * 60; second++) {
      report(`second ${second}`);
      vi.advanceTimersByTime(1_000);
    }
    expect(written).toHaveBeenCalledTimes(3);
  });
});
