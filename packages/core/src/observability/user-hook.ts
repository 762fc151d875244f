/**
 * Calls an application's hook (`onError`, `onFetchError`, `onStoreError`) with `argument`, so that
 * nothing it does reaches the caller: what it throws is ignored, and so is what it rejects with when it
 * returns a promise. Typed as returning nothing, an `async` hook type-checks all the same, and its
 * rejection would be unhandled, which ends a Node process by default. Not awaited: a slow hook must not
 * delay an answer. A returned object whose `then` throws, or is a getter that throws, is ignored too.
 *
 * @example
 * ```ts
 * const report = (error: IntrospectionError) => callUserHook(options.onError, error);
 * ```
 */
export function callUserHook<A>(hook: ((argument: A) => unknown) | undefined, argument: A): void {
  try {
    const returned: unknown = hook?.(argument);
    if ((typeof returned === 'object' || typeof returned === 'function') && returned !== null) {
      const then: unknown = (returned as { then?: unknown }).then;
      if (typeof then === 'function') then.call(returned, undefined, ignoreHookFailure);
    }
  } catch {
    // A hook that throws must change no answer.
  }
}

/** What an asynchronous hook rejects with is ignored, as what a synchronous one throws is. */
function ignoreHookFailure(): void {}
