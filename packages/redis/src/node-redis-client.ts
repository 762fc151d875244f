/**
 * The part of a node-redis v5 client (`createClient()` from `redis`) that the store uses. Declared
 * structurally so that clients of any module, script or RESP configuration fit. Cluster and Sentinel
 * clients do not: for those, give the stores `cluster` or `sentinel` options and they create their own.
 */
export interface NodeRedisClient {
  /** Whether the client is connected or connecting (`connect()` called, not yet closed). */
  readonly isOpen: boolean;
  /** Whether the connection is up and commands are sent at once. */
  readonly isReady: boolean;
  /** Sends one command (`['GET', key]`); `abortSignal` stops waiting for its answer. */
  sendCommand(args: readonly string[], options?: { abortSignal?: AbortSignal | undefined }): Promise<unknown>;
  /** Listens on a Pub/Sub `channel` (on a client of its own: a subscribed client sends no other commands). */
  subscribe(channel: string, listener: (message: string, channel: string) => unknown): Promise<void>;
  /** The options the client was created with (node-redis exposes them; the store reads `socket`). */
  readonly options?:
    | {
        /**
         * The socket options (host, port, TLS), copied to the subscriber's connection with the
         * store's own timeouts.
         */
        readonly socket?: object | undefined;
      }
    | undefined;
  /** A new client with the same options, with `overrides`: the store's subscriber. */
  duplicate(overrides?: { pingInterval?: number | undefined; socket?: object | undefined }): NodeRedisClient;
  /** Opens the connection. */
  connect(): Promise<unknown>;
  /** Closes the connection once the commands sent are answered. */
  close(): Promise<void>;
  /** Cuts the connection at once, dropping commands not yet answered. */
  destroy(): void;
  /** Listens for connection errors (without a listener, node-redis throws them) and reconnections. */
  on(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  /** Removes a listener added with `on`. */
  off(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
}
