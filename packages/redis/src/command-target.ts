/**
 * What {@link boundedCommands} sends commands on: a node-redis client, or the store's adapter of a cluster
 * or Sentinel client (whose `sendCommand` takes routing arguments first).
 */
export interface CommandTarget {
  /** Whether a command sent now would be written at once (connected, not waiting for a reconnection). */
  readonly isReady: boolean;
  sendCommand(args: readonly string[], options?: { abortSignal?: AbortSignal | undefined }): Promise<unknown>;
}
