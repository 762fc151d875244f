import type { RedisNodeAddress } from './deployment-options.js';

/**
 * The part of node-redis's cluster client (v5) this uses. `_slots.rediscover` is not public API: node-redis
 * 5 re-reads the topology only when a node answers `MOVED` or `ASK`, which a killed primary never does, so
 * after a failover it would keep sending that primary's slots to a dead address. node-redis is pinned to
 * one exact version in package.json, and the cluster failover tests fail if this stops working.
 */
interface ClusterInternals {
  readonly masters: readonly {
    readonly client?: { readonly isReady: boolean; readonly options?: unknown } | undefined;
  }[];
  readonly _slots?: { rediscover?(startWith: { readonly options?: unknown }): Promise<void> } | undefined;
}

/** Re-reads a cluster's topology when asked, at most one reading at a time and one per `minGapMs`. */
export interface TopologyRefresh {
  /**
   * A node failed, or does not serve what the topology said it did: the cluster may have failed it over
   * or moved slots. The reading starts with `startWith` (`host:port`) when given, else with a primary still
   * connected, else with the first root node. Resolves when the reading under way (this one, or the one
   * it joined) is over, at once when it was skipped as too soon after the last; never rejects.
   */
  refresh(startWith?: string): Promise<void>;
}

export function topologyRefresh(
  cluster: unknown,
  rootNodes: readonly RedisNodeAddress[],
  minGapMs = 100,
): TopologyRefresh {
  const internals = cluster as ClusterInternals;
  let running: Promise<void> | undefined;
  let lastStart = Number.NEGATIVE_INFINITY;
  return {
    refresh(startWith) {
      const now = performance.now();
      const rediscover = internals._slots?.rediscover;
      if (running !== undefined) return running;
      if (now - lastStart < minGapMs || rediscover === undefined) return Promise.resolve();
      lastStart = now;
      running = rediscover
        .call(internals._slots, { options: { socket: nodeToAsk(internals, rootNodes, startWith) } })
        .catch(() => undefined)
        .finally(() => {
          running = undefined;
        });
      return running;
    },
  };
}

/**
 * Whom to ask. A node that has just dropped a subscription or refused to serve a slot knows the cluster's
 * new view (Redis drops the subscription as it applies it); otherwise a primary still connected knows the
 * current one; the root nodes are the last resort.
 */
function nodeToAsk(
  internals: ClusterInternals,
  rootNodes: readonly RedisNodeAddress[],
  startWith: string | undefined,
): unknown {
  if (startWith !== undefined) {
    const separator = startWith.lastIndexOf(':');
    return { host: startWith.slice(0, separator), port: Number(startWith.slice(separator + 1)) };
  }
  const live = internals.masters.find((master) => master.client?.isReady)?.client;
  const liveSocket = (live?.options as { socket?: unknown } | undefined)?.socket;
  return liveSocket ?? { ...rootNodes[0] };
}
