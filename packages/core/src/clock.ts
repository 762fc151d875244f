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

// A reading of exactly 0 at build time is no mistake to refuse yet: Cloudflare Workers stand the clock at
// 0 in a Worker's global scope (time advances only while a request is handled), and that is where their
// examples build a server, once, at start-up. Such a reading is checked again where it matters: every read
// made to decide is checked with isClockReading, so a clock still answering 0 then fails its first use
// rather than deciding with 1970. Other readings that are no time (seconds, microseconds, NaN) are refused
// at once, Workers or not.
function buildTimeReadingRefused(reading: unknown): boolean {
  return reading !== 0 && !isClockReading(reading);
}

/**
 * A configured clock, read once now: a function that answers `NaN`, a string (`Date` called without
 * `new`) or nothing would make every comparison with a token's dates false, so that expired and
 * not-yet-valid tokens pass. Throws an {@link RsConfigError} naming `option`. A reading of exactly 0 is
 * let through, as the clock of a Cloudflare Worker's global scope: every read made to decide refuses it
 * (see {@link readClock}).
 */
export function checkedClock(clock: unknown, option: string): Clock {
  requireOption(
    typeof clock === 'function',
    option,
    'must be a function returning milliseconds since the epoch',
  );
  const reading: unknown = (clock as () => unknown)();
  if (buildTimeReadingRefused(reading)) throw unreadableClock(reading, option);
  return clock as Clock;
}

/**
 * The clock an option gives, checked as {@link checkedClock} does, or, when it is not given, the system
 * clock, read once now too: `Date.now()` answers no time when fake timers stand near the epoch, and that is
 * better said when the server is built than at its first request. Fake timers standing at the epoch
 * itself answer 0, as a Cloudflare Worker's global scope does: the build goes on, and the first use
 * names the fake timers (see {@link unreadableClock}).
 */
export function clockOption(clock: unknown, option: string): Clock {
  if (clock !== undefined) return checkedClock(clock, option);
  const reading = systemClock();
  if (buildTimeReadingRefused(reading)) throw unreadableClock(reading, option, false);
  return systemClock;
}

/**
 * Reads `clock` to decide something: the reading, or, when it is no time, the {@link unreadableClock}
 * error thrown. `configured` says whether `option` was given (else the clock is the system clock).
 */
export function readClock(clock: Clock, option: string, configured: boolean): number {
  const now: unknown = clock();
  if (!isClockReading(now)) throw unreadableClock(now, option, configured);
  return now;
}

// A reading of 0 is no clock in the wrong unit: at use, it comes from fake timers standing at the epoch, or
// from a read outside any request in a Cloudflare Worker (revoke() called at start-up, say).
const STOPPED_WORKER_CLOCK =
  "a Cloudflare Worker's global scope answers 0 too: there the time stands still until a request arrives";

/**
 * The error for a clock that answered something other than a time (at start-up or later): the one given
 * as `option`, or, when `configured` is false, the system clock used because none was.
 */
export function unreadableClock(reading: unknown, option: string, configured = true): RsConfigError {
  const answered = typeof reading === 'number' ? String(reading) : `a value of type ${typeof reading}`;
  if (!configured) {
    const stopped = reading === 0 ? ` (${STOPPED_WORKER_CLOCK}: read the time while one is handled)` : '';
    return new RsConfigError(
      option,
      `is not given, and the system clock (Date.now()) returned ${answered}, which is no time between the years 2000 and 3000: fake timers set near the epoch? Set them to a real date (vi.setSystemTime(Date.UTC(2026, 0, 1)), sinon.useFakeTimers({ now: Date.UTC(2026, 0, 1) })) or give a clock${stopped}`,
    );
  }
  const causes =
    reading === 0
      ? `fake timers set at the epoch? ${STOPPED_WORKER_CLOCK}`
      : 'a clock in seconds or microseconds, performance.now(), or a Date rather than its getTime()?';
  return new RsConfigError(
    option,
    `must return milliseconds since the epoch (a time between the years 2000 and 3000, as Date.now() does); it returned ${answered}, which is no such time (${causes})`,
  );
}
