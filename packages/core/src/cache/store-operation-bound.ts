/**
 * How long a token cache waits for one operation of its store (`get`, `set`, `delete`, `clear`,
 * `deleteLabelled`) before it treats the store as failing: a read is a miss, a write is dropped. The
 * default timeout of the calls a cache saves (introspection, a JWK set fetch): a store slower than that
 * saves nothing, and a store that never settles must not hold a request, or a revocation, forever.
 * `@rs/redis` bounds its commands well within it (`commandTimeout`, 250 ms by default).
 */
export const STORE_OPERATION_TIMEOUT_MS = 5_000;

/** What a store operation that did not settle in time is failed with, and told to `onStoreError` as. */
export class StoreOperationTimeout extends Error {
  override name = 'StoreOperationTimeout';

  constructor(operation: string, timeoutMs: number) {
    super(`the token cache store's ${operation}() did not settle within ${timeoutMs} ms`);
  }
}

/**
 * What `operation` returns, awaited for at most `timeoutMs`; past that, a rejection with a
 * {@link StoreOperationTimeout}. A synchronous answer (the in-process store's) is taken as it is, with no
 * timer. An operation given up on may still settle later: its outcome is dropped, never unhandled.
 */
export function settledWithin<T>(
  operation: string,
  answer: Promise<T> | T,
  timeoutMs = STORE_OPERATION_TIMEOUT_MS,
): Promise<T> | T {
  if (!isThenable(answer)) return answer;
  const work = Promise.resolve(answer);
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => {
      work.catch(() => undefined);
      reject(new StoreOperationTimeout(operation, timeoutMs));
    }, timeoutMs);
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}

function isThenable<T>(value: Promise<T> | T): value is Promise<T> {
  return typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
}
