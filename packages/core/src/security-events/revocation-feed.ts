import type { Revocation } from '../revocation/revocation.js';

/**
 * What a revocation feed acts on: a {@link RevocationList} is one. `revoke` drops cached answers and
 * refuses the tokens named that were issued before; `evict` only drops cached answers.
 */
export interface RevocationSink {
  /** Drops the cached answers for the tokens named and refuses those issued before now. */
  revoke(revocation: Revocation): Promise<void>;
  /** Drops the cached answers for the tokens named, so that the next request asks again. */
  evict(revocation: Revocation): Promise<void>;
}

/**
 * The extension point for revocation feeds that are not Security Event Tokens: an authorization
 * server's proprietary notifications, a message queue, a database table of revoked sessions… A feed
 * turns what it hears into `sink.revoke({ by: 'sub', value })` calls; Security Event Tokens have
 * their own receiver (`securityEventReceiver`), pushed or polled.
 *
 * @example
 * ```ts
 * import type { RevocationFeed } from '@rs/core';
 *
 * // A queue consumer: each message names a revoked session.
 * function queueFeed(queue: { on(event: 'message', listener: (sid: string) => void): void; close(): void }): RevocationFeed {
 *   return {
 *     start(sink) {
 *       queue.on('message', (sid) => void sink.revoke({ by: 'sid', value: sid }));
 *     },
 *     stop: () => queue.close(),
 *   };
 * }
 * ```
 */
export interface RevocationFeed {
  /** Starts listening, handing each revocation heard to `sink`. */
  start(sink: RevocationSink): void | Promise<void>;
  /** Stops listening and releases what `start` opened (connections, timers). */
  stop(): void | Promise<void>;
}
