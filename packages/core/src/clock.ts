import { RsConfigError, requireOption } from './config/config-error.js';

/**
 * Where the pipeline reads the time. Inject a fixed clock to test tokens dated in the past (the RFC
 * examples) exactly.
 */
export type Clock = () => number;

/** Milliseconds since the epoch, from `Date.now()`. */
export const systemClock: Clock = () => Date.now();

// Readings a clock counting milliseconds since the epoch can give: from 2000-01-01 to 3000-01-01. A clock
// in seconds (`Date.now() / 1000`), a monotonic one (`performance.now()`) or one in microseconds answers a
// finite number far outside them, and with it every token's `exp` lies in the future (or all in the past),
// and replay entries expire a thousand times too soon.
const EARLIEST_READING_MS = Date.UTC(2000, 0, 1);
const LATEST_READING_MS = Date.UTC(3000, 0, 1);

/**
 * Whether a clock's answer is a time: a number of milliseconds since the epoch between 2000 and 3000
 * (RFC examples dated 2011 included), not a count of seconds, microseconds or time since start-up.
 */
export function isClockReading(value: unknown): value is number {
  return typeof value === 'number' && value >= EARLIEST_READING_MS && value <= LATEST_READING_MS;
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

/**
 * The clock an option gives, checked as {@link checkedClock} does, or, when it is not given, the system
 * clock, read once now too: `Date.now()` answers no time when fake timers stand at the epoch, as some
 * test set-ups leave them, and that is better said when the server is built than at its first request.
 */
export function clockOption(clock: unknown, option: string): Clock {
  if (clock !== undefined) return checkedClock(clock, option);
  const reading = systemClock();
  if (!isClockReading(reading)) throw unreadableClock(reading, option, false);
  return systemClock;
}

/**
 * The error for a clock that answered something other than a time (at start-up or later): the one given
 * as `option`, or, when `configured` is false, the system clock used because none was.
 */
export function unreadableClock(reading: unknown, option: string, configured = true): RsConfigError {
  const answered = typeof reading === 'number' ? String(reading) : `a value of type ${typeof reading}`;
  if (!configured) {
    return new RsConfigError(
      option,
      `is not given, and the system clock (Date.now()) returned ${answered}, which is no time between the years 2000 and 3000: fake timers set near the epoch? Set them to a real date (vi.setSystemTime(Date.UTC(2026, 0, 1)), sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1) })) or give a clock`,
    );
  }
  return new RsConfigError(
    option,
    `must return milliseconds since the epoch (a time between the years 2000 and 3000, as Date.now() does); it returned ${answered}, which is no such time (a clock in seconds or microseconds, performance.now(), or a Date rather than its getTime()?)`,
  );
}
