/** The part of a node-redis client the check uses: one node's connection. */
export interface NodeCommandClient {
  sendCommand(args: string[]): Promise<unknown>;
}

/** The node a subscriber connected to does not serve the channel's slot as primary (by its own account). */
export class NotSlotPrimaryError extends Error {
  override name = 'NotSlotPrimaryError';
}

// CLUSTER NODES runs to about 100 bytes per node plus its slot ranges; far more is not a cluster's answer.
const MAX_NODES_REPLY_CHARS = 4 * 1024 * 1024;
const SLOTS = 16_384;

/**
 * Resolves when the node `client` is connected to is, by its own account, the primary serving `slot`
 * (the `myself` line of its `CLUSTER NODES` says `master` and lists the slot); rejects with
 * {@link NotSlotPrimaryError} otherwise.
 *
 * Why the node is asked rather than the store's slot map: that map is a copy, read from whichever node
 * answered last, and may be stale right after a failover. A subscriber that trusted it could `SSUBSCRIBE` on
 * the demoted primary, which Redis accepts without a word (a replica serves its shard's channels); the
 * subscription would then hang on a replica until the map happened to be read again.
 *
 * The command is issued synchronously, so that a caller issuing `SSUBSCRIBE` in the same tick has both
 * written together (node-redis writes what is issued in one tick at once) and answered by Redis in one
 * pass, with no change of the cluster's configuration between the check and the subscription; a change
 * after it makes Redis send `SUNSUBSCRIBE`. `CLUSTER NODES` answers with one string: node-redis would take
 * an array answer (`CLUSTER SLOTS`) on a connection with a subscription queued for a pub/sub message.
 */
export function confirmSlotPrimary(client: NodeCommandClient, slot: number): Promise<void> {
  return client.sendCommand(['CLUSTER', 'NODES']).then((reply) => {
    const text = typeof reply === 'string' ? reply : Buffer.isBuffer(reply) ? reply.toString() : '';
    if (!servesSlotAsPrimary(text, slot)) {
      throw new NotSlotPrimaryError(`the node is not the primary of slot ${slot}`);
    }
  });
}

/**
 * Whether the `myself` line of a `CLUSTER NODES` answer (`<id> <address> <flags> <primary id> <ping> <pong>
 * <epoch> <link> <slot ranges…>`) is a primary's that lists `slot`. Slots being imported or migrated
 * (`[slot->-id]`, `[slot-<-id]`) do not count: until the move ends, the slot stays with its owner.
 */
export function servesSlotAsPrimary(nodes: string, slot: number): boolean {
  if (nodes.length > MAX_NODES_REPLY_CHARS) return false;
  const myself = nodes.split('\n').find((line) => line.split(' ', 3)[2]?.split(',').includes('myself'));
  if (myself === undefined) return false;
  const fields = myself.trim().split(' ');
  if (!fields[2]!.split(',').includes('master')) return false;
  return fields.slice(8).some((range) => {
    const match = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(range);
    if (match === null) return false;
    const from = Number(match[1]);
    const to = match[2] === undefined ? from : Number(match[2]);
    return from <= slot && slot <= to && to < SLOTS;
  });
}
