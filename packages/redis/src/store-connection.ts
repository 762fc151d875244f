import { clusterConnection } from './cluster-connection.js';
import { sentinelConnection } from './sentinel-connection.js';
import { singleNodeConnection } from './single-node-connection.js';
import type { StoreConnection, StoreConnectionSettings } from './store-connection-interface.js';

export type { StoreConnection, StoreConnectionSettings } from './store-connection-interface.js';

/** The connection `settings` ask for: a cluster, Sentinel, or one Redis (`url` or `client`). */
export function storeConnection(settings: StoreConnectionSettings): StoreConnection {
  if (settings.cluster !== undefined) return clusterConnection(settings, settings.cluster);
  if (settings.sentinel !== undefined) return sentinelConnection(settings, settings.sentinel);
  return singleNodeConnection(settings);
}
