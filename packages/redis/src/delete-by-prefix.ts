import type { BoundedCommands } from './bounded-commands.js';

/** Keys asked for per SCAN step, and so at most deleted per UNLINK: small steps keep Redis responsive. */
const SCAN_BATCH = 500;

/**
 * Deletes every key starting with `prefix`, SCAN step by SCAN step (never `KEYS`, which blocks Redis), with
 * UNLINK so that Redis frees the values in the background. Returns how many keys were deleted.
 */
export async function deleteByPrefix(commands: BoundedCommands, prefix: string): Promise<number> {
  const pattern = escapeGlob(prefix) + '*';
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = scanReply(
      await commands.send(['SCAN', cursor, 'MATCH', pattern, 'COUNT', String(SCAN_BATCH)]),
    );
    if (keys.length > 0) {
      const unlinked = await commands.send(['UNLINK', ...keys]);
      deleted += typeof unlinked === 'number' ? unlinked : 0;
    }
    cursor = next;
  } while (cursor !== '0');
  return deleted;
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
