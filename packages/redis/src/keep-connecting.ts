/**
 * Connects a cluster or Sentinel client in the background. Unlike one node's client, node-redis gives
 * these up when their first connection fails (no root node, no sentinel answered): this tries again after
 * each pause of `reconnectStrategy` until it connects or the strategy says stop (`false`, at `close()`).
 */
export function keepConnecting(
  connect: () => Promise<unknown>,
  reconnectStrategy: (retries: number) => number | false,
  onError: (error: unknown) => void,
): { connected(): boolean } {
  let connected = false;
  (async () => {
    for (let retries = 0; ; retries++) {
      try {
        await connect();
        connected = true;
        return;
      } catch (error) {
        const pause = reconnectStrategy(retries);
        if (pause === false) return;
        onError(error);
        await new Promise((resolve) => setTimeout(resolve, pause));
      }
    }
  })();
  return { connected: () => connected };
}
