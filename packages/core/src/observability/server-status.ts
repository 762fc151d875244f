import type { DependencyHealth } from './dependency-health.js';

/**
 * What {@link ResourceServer.status} reports: whether the server can decide requests now (`ready`, for a
 * readiness probe), and the state of each dependency. Safe to serve: it holds URLs, counters, times and
 * error codes, never a token, a secret or a key.
 */
export interface ResourceServerStatus {
  /** Every dependency is ready (a server without remote dependencies is always ready). */
  readonly ready: boolean;
  /** When this was read, ms since the epoch (the resource server's clock). */
  readonly time: number;
  /** The state of each dependency that reports one, in the order the server holds them. */
  readonly dependencies: readonly DependencyHealth[];
}

/** Builds the status from what the parts reported. */
export function serverStatus(time: number, dependencies: readonly DependencyHealth[]): ResourceServerStatus {
  return { ready: dependencies.every((dependency) => dependency.ready), time, dependencies };
}
