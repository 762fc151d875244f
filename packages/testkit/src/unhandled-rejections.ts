/** The rejections nobody handled since a {@link watchUnhandledRejections} began. */
export interface UnhandledRejections {
  /** After a turn of the event loop (a rejection is reported unhandled only then): those seen, cleared. */
  settle(): Promise<unknown[]>;
  /** Stops recording. */
  stop(): void;
}

/**
 * Records every rejection left unhandled from now until `stop()`, for tests of code that must leave none
 * (one ends a Node process by default): a test fails when `settle()` answers any.
 *
 * @example
 * ```ts
 * let rejections: UnhandledRejections;
 * beforeAll(() => { rejections = watchUnhandledRejections(); });
 * afterEach(async () => expect(await rejections.settle()).toEqual([]));
 * afterAll(() => rejections.stop());
 * ```
 */
export function watchUnhandledRejections(): UnhandledRejections {
  const seen: unknown[] = [];
  const record = (reason: unknown) => seen.push(reason);
  process.on('unhandledRejection', record);
  return {
    async settle() {
      await new Promise((resolve) => setImmediate(resolve));
      return seen.splice(0);
    },
    stop: () => process.off('unhandledRejection', record),
  };
}
