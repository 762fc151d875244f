/**
 * `work`'s outcome, or a rejection with `signal`'s `reason` as soon as `signal` aborts, whichever comes
 * first. For transports that may not heed the signal they were given (a `fetch` that wraps another and
 * forwards only the options it knows, a body stream that ignores cancellation): the caller is let go on
 * time all the same. What `work` resolves to after it was given up is handed to `abandon`, to release it
 * (cancel a response body, which holds a connection); a later rejection is dropped, never unhandled.
 *
 * The listener on `signal` is removed once either settles, so a signal shared by many exchanges holds
 * one listener per exchange under way only.
 *
 * @example
 * ```ts
 * const response = await untilAborted(fetchImpl(url, { signal }), signal, (late) => {
 *   void late.body?.cancel().catch(() => undefined);
 * });
 * ```
 */
export function untilAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  abandon?: (late: T) => void,
): Promise<T> {
  const giveUp = (): void => {
    work.then(
      (late) => abandon?.(late),
      () => undefined,
    );
  };
  if (signal.aborted) {
    giveUp();
    return Promise.reject(signal.reason);
  }
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => {
      giveUp();
      reject(signal.reason);
    };
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(error);
      },
    );
  });
}
