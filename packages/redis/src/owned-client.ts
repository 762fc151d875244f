import { MAX_TIMER_MS } from '@rs/core/adapter';
import { createClient } from 'redis';
import type { SubscriberClient } from './channel-subscription.js';
import type { NodeRedisClient } from './node-redis-client.js';

// How long a TCP (and TLS) connection may take: node-redis's default, stated so that it stays this. Also the
// least time a connection may stay silent before it is cut.
const CONNECT_TIMEOUT_MS = 5_000;
// How often a ready connection PINGs Redis: a healthy connection is then never silent for 5 s, even when
// the store sends nothing; only a stall of this process of about 4 s or more can make it look so.
const PING_INTERVAL_MS = 1_000;

/**
 * How long a connection the store created may stay silent (nothing received and nothing sent) before it
 * is cut and reconnected: twice `commandTimeout` (a command waits at most that long, so one answered in
 * time is never cut off), and at least 5 s.
 */
export function silentConnectionTimeout(commandTimeout: number): number {
  return Math.min(Math.max(CONNECT_TIMEOUT_MS, 2 * commandTimeout), MAX_TIMER_MS);
}

/** The node-redis options that put a deadline on every wait of a connection the store creates. */
export interface ConnectionBounds {
  readonly pingInterval: number;
  readonly socket: { readonly connectTimeout: number; readonly socketTimeout: number };
}

/**
 * Deadlines for the waits that the store's own command timeouts cannot reach, on every connection the store
 * creates (its client, its subscribers, the clients node-redis creates for a cluster or Sentinel setup):
 *
 * - `connectTimeout` bounds the TCP (and TLS) connection: 5 s;
 * - node-redis then awaits its handshake (`HELLO`, `AUTH`, `SELECT`, `CLIENT SETINFO`) with no deadline,
 *   and stays "open but not ready" for as long as the socket lives: forever when the port accepts and
 *   never answers (a frozen host, a SIGSTOPped Redis, a proxy whose backend is gone). `socketTimeout` cuts
 *   a socket on which nothing was received or sent for {@link silentConnectionTimeout}; node-redis emits
 *   the timeout as an 'error' (which the store reports as a `connection` problem) and reconnects;
 * - `pingInterval` keeps a healthy connection from ever being that silent, and finds out a ready
 *   connection whose Redis stopped answering even a PING while the store sent nothing.
 *
 * These are node-redis's own deadlines rather than a watchdog of the store's: cluster and Sentinel clients
 * create their node clients themselves (options are the only way to reach them), and a client destroyed
 * and connected again by hand would race with its own connection loop. A socket counts as silent only
 * while nothing at all arrives: a server that trickles bytes and never completes an answer is not cut.
 */
export function connectionBounds(commandTimeout: number): ConnectionBounds {
  return {
    pingInterval: PING_INTERVAL_MS,
    socket: { connectTimeout: CONNECT_TIMEOUT_MS, socketTimeout: silentConnectionTimeout(commandTimeout) },
  };
}

/** The client a store creates from `url`: it fails fast while disconnected and reconnects in the background. */
export function ownedClient(
  url: string,
  reconnectStrategy: (retries: number) => number | false,
  bounds: ConnectionBounds,
): NodeRedisClient {
  return createClient({
    url,
    // Commands sent while disconnected fail at once instead of waiting, queued, for a reconnection.
    disableOfflineQueue: true,
    pingInterval: bounds.pingInterval,
    socket: { ...bounds.socket, reconnectStrategy },
  });
}

/**
 * A client the store creates for a subscriber at `address` (`host:port`) of a cluster or Sentinel setup,
 * with the deployment's credentials and the store's `bounds` (by default, those of any `commandTimeout` up
 * to 2.5 s: a 5 s silence).
 */
export function subscriberClientAt(
  address: string,
  credentials: { readonly username?: string | undefined; readonly password?: string | undefined },
  reconnectStrategy: (retries: number) => number | false,
  bounds: ConnectionBounds = connectionBounds(1),
): SubscriberClient {
  const separator = address.lastIndexOf(':');
  const client = createClient({
    ...credentials,
    disableOfflineQueue: true,
    pingInterval: bounds.pingInterval,
    socket: {
      ...bounds.socket,
      host: address.slice(0, separator),
      port: Number(address.slice(separator + 1)),
      reconnectStrategy,
    },
  });
  // node-redis's listener types are narrower than SubscriberClient's (string | Buffer messages).
  return client as unknown as SubscriberClient;
}
