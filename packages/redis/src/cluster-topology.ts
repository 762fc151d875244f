import type { RedisNodeAddress } from './deployment-options.js';

/**
 * The part of node-redis's cluster client (v5) this uses. `_slots.rediscover` is not public API: node-redis
 * 5 re-reads the topology only when a node answers `MOVED` or `ASK`, which a killed primary never does, so
 * after a failover it would keep sending that primary's slots to a dead address. node-redis is pinned to
 * one exact version in package.json, and the cluster failover test fails if this stops working.
 */
interface ClusterInternals {
  readonly masters: readonly {
    readonly client?: { readonly isReady: boolean; readonly options?: unknown };
  }[];
  readonly _slots?: { rediscover?(startWith: { readonly options?: unknown }): Promise<void> };
}

/** Re-reads a cluster's topology when asked, at most one reading at a time and one per `minGapMs`. */
export interface TopologyRefresh {
  /** A node failed: the cluster may have failed it over. */
  refresh(): void;
}

export function topologyRefresh(
  cluster: unknown,
  rootNodes: readonly RedisNodeAddress[],
  minGapMs = 100,
): TopologyRefresh {
  const internals = cluster as ClusterInternals;
  let running = false;
  let lastStart = Number.NEGATIVE_INFINITY;
  return {
    refresh() {
      const now = performance.now();
      const rediscover = internals._slots?.rediscover;
      if (running || now - lastStart < minGapMs || rediscover === undefined) return;
      running = true;
      lastStart = now;
      // Asked first of a primary still connected (it knows the cluster's current view), else of the root nodes.
      const live = internals.masters.find((master) => master.client?.isReady)?.client;
      const startWith = live ?? { options: { socket: { ...rootNodes[0] } } };
      rediscover
        .call(internals._slots, startWith)
        .catch(() => undefined)
        .finally(() => {
          running = false;
        });
    },
  };
}
