import type { BoundedCommands } from './bounded-commands.js';

/** Keys asked for per SCAN step, and so at most deleted per UNLINK: small steps keep Redis responsive. */
const SCAN_BATCH = 500;

/**
 * Deletes every key starting with `prefix` on one node but those `keep` names, SCAN step by SCAN step (never `KEYS`,
 * which blocks Redis), with UNLINK so that Redis frees the values in the background. SCAN goes to `commands`; each step's
 * keys go to `unlink` (on a cluster, one UNLINK per slot, routed to the slot's primary). Returns how many
 * keys were deleted.
 */
export async function deleteByPrefix(
  commands: BoundedCommands,
  prefix: string,
  unlink: (keys: readonly string[]) => Promise<number> = (keys) => unlinkAll(commands, keys),
  keep?: (key: string) => boolean,
): Promise<number> {
  const pattern = escapeGlob(prefix) + '*';
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, scanned] = scanReply(
      await commands.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(SCAN_BATCH)]),
    );
    const keys = keep === undefined ? scanned : scanned.filter((key) => !keep(key));
    if (keys.length > 0) deleted += await unlink(keys);
    cursor = next;
  } while (cursor !== '0');
  return deleted;
}

/** One UNLINK of `keys`: how many of them existed. */
export async function unlinkAll(commands: BoundedCommands, keys: readonly string[]): Promise<number> {
  const unlinked = await commands.send(['UNLINK', ...keys]);
  return typeof unlinked === 'number' ? unlinked : 0;
}

// MATCH takes a glob: a prefix holding `*`, `?`, `[` or `\` must match itself, not a pattern.
function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&');
}

function scanReply(reply: unknown): [cursor: string, keys: string[]] {
  if (!Array.isArray(reply) || reply.length !== 2 || !Array.isArray(reply[1])) {
    throw new Error('SCAN answered something other than a cursor and a list of keys');
  }
  const [cursor, keys] = reply as [unknown, unknown[]];
  return [String(cursor), keys.map((key) => String(key))];
}
