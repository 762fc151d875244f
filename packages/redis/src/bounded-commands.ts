import type { NodeRedisClient } from './node-redis-client.js';

/** Sends commands that fail fast: no command waits for a reconnection or for longer than its time bound. */
export interface BoundedCommands {
  /** Whether a command sent now could be answered: connected, and not too many commands awaiting answers. */
  available(): boolean;
  /** Commands sent and not yet answered by Redis (those past their time bound included). */
  pending(): number;
  send(args: readonly string[]): Promise<unknown>;
}

/**
 * node-redis's own `timeout` only drops commands not yet written; a written command waits for its answer
 * as long as the socket lives, which is forever when Redis hangs. So each answer is also raced against a
 * timer, and commands still awaiting an answer are capped so that a hung Redis cannot pile them up.
 */
export function boundedCommands(
  client: NodeRedisClient,
  timeoutMs: number,
  maxPending: number,
): BoundedCommands {
  let pending = 0;
  return {
    available: () => client.isReady && pending < maxPending,
    pending: () => pending,
    send(args) {
      // A client with an offline queue would hold the command until it reconnects.
      if (!client.isReady) return Promise.reject(new Error(`${args[0]} not sent: Redis is not connected`));
      let reply: Promise<unknown>;
      try {
        reply = client.sendCommand(args, { timeout: timeoutMs });
      } catch (error) {
        return Promise.reject(error);
      }
      pending++;
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`${args[0]} got no answer within ${timeoutMs} ms`)),
          timeoutMs,
        );
        timer.unref?.();
        reply.then(
          (value) => {
            pending--;
            clearTimeout(timer);
            resolve(value);
          },
          (error: unknown) => {
            pending--;
            clearTimeout(timer);
            reject(error);
          },
        );
      });
    },
  };
}
