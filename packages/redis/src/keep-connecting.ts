/** A connection kept trying by {@link keepConnecting}. */
export interface KeptConnection {
  /** Whether an attempt has succeeded. */
  connected(): boolean;
  /**
   * Starts no further attempt, and resolves once the attempt or the pause under way has ended: an attempt
   * left running would open connections after the store closed. The client's own deadlines (see
   * `connectionBounds`) bound how long the attempt takes.
   */
  stop(): Promise<void>;
}

/**
 * Connects a cluster or Sentinel client in the background. Unlike one node's client, node-redis gives
 * these up when their first connection fails (no root node, no sentinel answered): this tries again after
 * each pause of `reconnectStrategy` until it connects, it is stopped, or the strategy says stop (`false`).
 * Before each new attempt, `reset` (when given) lets the client forget the failed one.
 */
export function keepConnecting(
  connect: () => Promise<unknown>,
  reconnectStrategy: (retries: number) => number | false,
  onError: (error: unknown) => void,
  reset?: () => Promise<unknown>,
): KeptConnection {
  let connected = false;
  let stopped = false;
  const attempts = (async () => {
    for (let retries = 0; !stopped; retries++) {
      try {
        if (retries > 0) {
          await reset?.();
          if (stopped) return;
        }
        await connect();
        connected = true;
        return;
      } catch (error) {
        if (stopped) return;
        const pause = reconnectStrategy(retries);
        if (pause === false) return;
        onError(error);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  })();
  return {
    connected: () => connected,
    async stop() {
      stopped = true;
      await attempts;
    },
  };
}
