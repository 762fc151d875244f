/**
 * The part of a node-redis v5 client (`createClient()` from `redis`) that the store uses. Declared
 * structurally so that clients of any module, script or RESP configuration fit. Cluster and Sentinel
 * clients do not: for those, give the stores `cluster` or `sentinel` options and they create their own.
 */
export interface NodeRedisClient {
  readonly isOpen: boolean;
  readonly isReady: boolean;
  sendCommand(args: readonly string[], options?: { abortSignal?: AbortSignal | undefined }): Promise<unknown>;
  subscribe(channel: string, listener: (message: string, channel: string) => unknown): Promise<void>;
  /** The options the client was created with (node-redis exposes them; the store reads `socket`). */
  readonly options?: { readonly socket?: object | undefined } | undefined;
  duplicate(overrides?: { pingInterval?: number | undefined; socket?: object | undefined }): NodeRedisClient;
  connect(): Promise<unknown>;
  close(): Promise<void>;
  destroy(): void;
  on(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
  off(event: 'error' | 'ready', listener: (...args: unknown[]) => void): unknown;
}
