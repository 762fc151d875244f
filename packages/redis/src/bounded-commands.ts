import type { CommandTarget } from './command-target.js';
import { responsiveDeadlines } from './responsive-deadlines.js';

/** Sends commands that fail fast: no command waits for a reconnection or for longer than its time bound. */
export interface BoundedCommands {
  /**
   * Whether a command sent now could be answered: connected, no command past its time bound still
   * awaiting its answer (Redis is hung or far behind), and not too many commands awaiting answers.
   */
  available(): boolean;
  /** Commands sent and not yet answered by Redis (those past their time bound included). */
  pending(): number;
  /**
   * Sends one command. Rejects when it got no answer within the time bound; `onLateReply`, when given,
   * is then told how the command ended after all: Redis's late answer, or the error that ended it (an
   * `AbortError` from node-redis means it was never written to Redis).
   */
  send(
    args: readonly string[],
    onLateReply?: (reply: PromiseSettledResult<unknown>) => void,
  ): Promise<unknown>;
}

/**
 * node-redis's own `timeout` only drops commands not yet written, and counts wall time; a written
 * command waits for its answer as long as the socket lives, which is forever when Redis hangs. So each
 * answer is raced against a deadline counted in this process's responsive time (a busy process does not
 * blame Redis, see {@link responsiveDeadlines}); at the deadline a command not yet written is dropped
 * (aborted), and commands still awaiting an answer are capped so that a hung Redis cannot pile them up.
 */
export function boundedCommands(
  client: CommandTarget,
  timeoutMs: number,
  maxPending: number,
): BoundedCommands {
  const deadlines = responsiveDeadlines(timeoutMs);
  let pending = 0;
  // Commands past their time bound and still unanswered. One is enough to skip Redis until it answers
  // (or the connection is cut): a healthy Redis answers every command in time, however many are sent
  // at once, so a burst of new tokens never trips this, while a hung Redis trips it one time bound after
  // it stopped answering, not once `maxPending` commands have piled up behind it.
  let overdue = 0;
  return {
    available: () => client.isReady && overdue === 0 && pending < maxPending,
    pending: () => pending,
    send(args, onLateReply) {
      // A client with an offline queue would hold the command until it reconnects.
      if (!client.isReady) return Promise.reject(new Error(`${args[0]} not sent: Redis is not connected`));
      const abort = new AbortController();
      let reply: Promise<unknown>;
      try {
        reply = client.sendCommand(args, { abortSignal: abort.signal });
      } catch (error) {
        return Promise.reject(error);
      }
      pending++;
      return new Promise((resolve, reject) => {
        let timedOut = false;
        const deadline = deadlines.start(() => {
          timedOut = true;
          overdue++;
          reject(new Error(`${args[0]} got no answer within ${timeoutMs} ms`));
          abort.abort();
        });
        const settle = (result: PromiseSettledResult<unknown>) => {
          pending--;
          if (timedOut) overdue--;
          deadline.cancel();
          if (timedOut) onLateReply?.(result);
          else if (result.status === 'fulfilled') resolve(result.value);
          else reject(result.reason);
        };
        reply.then(
          (value) => settle({ status: 'fulfilled', value }),
          (reason: unknown) => settle({ status: 'rejected', reason }),
        );
      });
    },
  };
}
