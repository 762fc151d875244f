import keySlot from 'cluster-key-slot';

/**
 * Keys grouped by their Redis Cluster hash slot (the same CRC16 and `{hash tag}` rule node-redis routes
 * with): a multi-key command such as `UNLINK` is refused (`CROSSSLOT`) unless all its keys share a slot.
 */
export function keysBySlot(keys: readonly string[]): string[][] {
  const groups = new Map<number, string[]>();
  for (const key of keys) {
    const slot = keySlot(key);
    const group = groups.get(slot);
    if (group === undefined) groups.set(slot, [key]);
    else group.push(key);
  }
  return [...groups.values()];
}

/** The slot of `key`: where a cluster keeps it, and where a sharded channel of that name lives. */
export { keySlot };
