import type { BoundedCommands } from './bounded-commands.js';

/**
 * Closes a client once the commands it sent are answered, or cuts the connection after `graceMs`:
 * `close()` alone would wait forever for the answers of a hung Redis.
 */
export async function closeWithin(
  client: { close(): Promise<unknown>; destroy(): unknown },
  commands: BoundedCommands,
  graceMs: number,
): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (commands.pending() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  if (commands.pending() === 0) await client.close();
  else await client.destroy();
}
