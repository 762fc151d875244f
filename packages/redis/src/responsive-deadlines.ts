/** A deadline started by {@link ResponsiveDeadlines.start}. */
export interface Deadline {
  /** The awaited answer came: the deadline will not expire. */
  cancel(): void;
}

/** Deadlines of one length, counted in the time this process was responsive. */
export interface ResponsiveDeadlines {
  /** Starts a deadline of the configured length; `expire` runs once it has passed, unless cancelled. */
  start(expire: () => void): Deadline;
}

/**
 * Deadlines for answers from another process (Redis) that do not blame it for this process's own stalls.
 *
 * A plain `setTimeout` raced against a reply fires for a reply that has already arrived whenever this
 * process was busy (synchronous work, GC, CPU starvation): after a stall Node runs expired timers before
 * it reads sockets. So the time budget is counted only while the event loop is responsive. One shared
 * ticker runs every `tick` (a tenth of the budget, 5 to 100 ms) while deadlines are pending; a gap between
 * two ticks longer than two ticks is a stall, and the excess is not counted. A stall of any length thus
 * costs a deadline at most two ticks (a fifth of its budget), and a deadline expires only after the event
 * loop went round several times, each time reading the sockets.
 *
 * When a deadline has passed, expiry waits for one more turn through I/O (`setImmediate` runs after the
 * poll phase): an answer already in the socket buffer cancels it first.
 *
 * A deadline therefore expires after at least `budgetMs` of wall time, and after about `budgetMs` plus
 * one tick when this process is not stalled.
 */
export function responsiveDeadlines(budgetMs: number): ResponsiveDeadlines {
  const tickMs = Math.min(Math.max(Math.round(budgetMs / 10), 5), 100);
  // Pending deadlines in start order, which is also expiry order: all have the same length.
  const pending = new Set<PendingDeadline>();
  let ticker: ReturnType<typeof setInterval> | undefined;
  let lastTick = 0;
  // Stall time detected so far: subtracted from the clock.
  let stalled = 0;

  function stallSince(now: number): number {
    return Math.max(0, now - lastTick - 2 * tickMs);
  }

  /** Milliseconds of responsive time: wall time less the stalls, the one under way included. */
  function responsiveNow(): number {
    const now = performance.now();
    return now - stalled - stallSince(now);
  }

  function tick(): void {
    const now = performance.now();
    stalled += stallSince(now);
    lastTick = now;
    const current = now - stalled;
    for (const deadline of pending) {
      if (current - deadline.startedAt < budgetMs) break;
      pending.delete(deadline);
      setImmediate(() => {
        if (!deadline.cancelled) deadline.expire();
      });
    }
    stopWhenIdle();
  }

  function stopWhenIdle(): void {
    if (pending.size > 0 || ticker === undefined) return;
    clearInterval(ticker);
    ticker = undefined;
  }

  return {
    start(expire) {
      if (ticker === undefined) {
        // Idle time before the first deadline is not a stall.
        lastTick = performance.now();
        ticker = setInterval(tick, tickMs);
        // Deadlines alone never keep the process alive.
        ticker.unref?.();
      }
      const deadline: PendingDeadline = { startedAt: responsiveNow(), expire, cancelled: false };
      pending.add(deadline);
      return {
        cancel() {
          deadline.cancelled = true;
          pending.delete(deadline);
          stopWhenIdle();
        },
      };
    },
  };
}

interface PendingDeadline {
  readonly startedAt: number;
  readonly expire: () => void;
  cancelled: boolean;
}
