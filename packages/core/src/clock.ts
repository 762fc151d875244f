import { RsConfigError, requireOption } from './config/config-error.js';

/**
 * Where the pipeline reads the time. Inject a fixed clock to test tokens dated in the past (the RFC
 * examples) exactly.
 */
export type Clock = () => number;

/** Milliseconds since the epoch, from `Date.now()`. */
export const systemClock: Clock = () => Date.now();

/** Whether a clock's answer is a time: a finite, non-negative number of milliseconds since the epoch. */
export function isClockReading(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0;
}

/**
 * A configured clock, read once now: a function that answers `NaN`, a string (`Date` called without
 * `new`) or nothing would make every comparison with a token's dates false, so that expired and
 * not-yet-valid tokens pass. Throws an {@link RsConfigError} naming `option`.
 */
export function checkedClock(clock: unknown, option: string): Clock {
  requireOption(
    typeof clock === 'function',
    option,
    'must be a function returning milliseconds since the epoch',
  );
  const reading: unknown = (clock as () => unknown)();
  if (!isClockReading(reading)) throw unreadableClock(reading, option);
  return clock as Clock;
}

/** The error for a clock that answered something other than a time (at start-up or later). */
export function unreadableClock(reading: unknown, option: string): RsConfigError {
  const answered = typeof reading === 'number' ? String(reading) : `a value of type ${typeof reading}`;
  return new RsConfigError(
    option,
    `must return milliseconds since the epoch as a finite, non-negative number; it returned ${answered}`,
  );
}
