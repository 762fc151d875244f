import type { BoundedCommands } from './bounded-commands.js';

/**
 * Lets the commands the store sent on `client` be answered for up to `graceMs`, then cuts the connection
 * (`destroy()`), whatever is left.
 *
 * Never node-redis's `close()`: it waits until node-redis's own queue is empty, and that queue holds more
 * than the store's commands (the connection handshake, a PING). A handshake that a hung Redis never
 * answers keeps it waiting forever, and once `close()` has begun, `destroy()` can no longer cut the
 * socket. Once the store's commands are answered, cutting loses nothing: node-redis's `close()` sends no
 * QUIT either.
 */
export async function closeWithin(
  client: { readonly isOpen: boolean; destroy(): unknown },
  commands: BoundedCommands,
  graceMs: number,
): Promise<void> {
  const deadline = Date.now() + graceMs;
  while (client.isOpen && commands.pending() > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  // It may have closed itself meanwhile (a reconnection strategy that stopped): node-redis then throws.
  if (client.isOpen) await client.destroy();
}
