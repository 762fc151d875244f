/** The signal an HTTP exchange is aborted by, and what lets it go once the exchange is over. */
export interface RequestDeadline {
  /**
   * Aborts `timeoutMs` after the deadline was set (a `TimeoutError`), or when one of the signals it follows
   * does (with that one's reason).
   */
  readonly signal: AbortSignal;
  /** Stops the timer and stops following the other signals: call it once the exchange is over. */
  clear(): void;
}

/**
 * A deadline for one HTTP exchange (headers and body): a timer of ours that aborts a controller of ours,
 * optionally also aborted by each signal `alongside` (a client being closed, the caller's
 * `HttpRequest.signal`; `undefined` ones are passed over). Not `AbortSignal.timeout()` joined by
 * `AbortSignal.any()`: Node 20's `any()` holds its sources weakly, and the timeout signal is held by
 * nothing else, so a garbage collection while the server keeps us waiting drops it, and the request
 * then waits for as long as the server does, forever for one that hangs. Here the timer holds the
 * controller until it fires or `clear()` runs.
 *
 * Each deadline adds one listener to each signal `alongside` until it is cleared: a signal shared by all
 * the requests of a client holds as many listeners as there are requests under way, so raise its limit
 * (`setMaxListeners(0, signal)` from `node:events`) or Node warns of a leak past 10.
 *
 * The signal aborts a transport only as far as the transport heeds it (undici, for one, acts on it only
 * once the request has a connection): a client that must end on time races its exchange against it.
 *
 * @example
 * ```ts
 * const deadline = requestDeadline(request.timeoutMs, request.signal);
 * try {
 *   return await fetch(url, { signal: deadline.signal });
 * } finally {
 *   deadline.clear();
 * }
 * ```
 */
export function requestDeadline(
  timeoutMs: number,
  ...alongside: readonly (AbortSignal | undefined)[]
): RequestDeadline {
  const controller = new AbortController();
  const timer = setTimeout(() => {
    controller.abort(new DOMException(`no answer within ${timeoutMs} ms`, 'TimeoutError'));
  }, timeoutMs);
  // The first signal to abort gives the reason: aborting the controller again changes nothing.
  const unfollow = alongside.map((signal) => {
    if (signal === undefined) return () => {};
    const follow = (): void => controller.abort(signal.reason);
    if (signal.aborted) follow();
    else signal.addEventListener('abort', follow, { once: true });
    return () => signal.removeEventListener('abort', follow);
  });
  return {
    signal: controller.signal,
    clear() {
      clearTimeout(timer);
      for (const stop of unfollow) stop();
    },
  };
}

/**
 * Whether the exchange under `deadline` was ended by the caller's own `signal` (rather than by its timer
 * or another signal it follows): the client then rejects with that signal's reason, as `fetch` does.
 */
export function endedByCaller(deadline: RequestDeadline, signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && deadline.signal.aborted && deadline.signal.reason === signal.reason;
}
