/**
 * What keeps this process alive, by kind (`TCPSocketWrap`, `Timeout`, …): `process.getActiveResourcesInfo()`
 * counted. Compared before and after a resource's life, it shows what the resource left behind.
 */
export function openHandles(): Map<string, number> {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return counts;
}

/** The kinds of which `after` holds more than `before`, with how many more. */
export function leftBehind(before: Map<string, number>, after: Map<string, number>): Record<string, number> {
  const extra: Record<string, number> = {};
  for (const [kind, count] of after) {
    const more = count - (before.get(kind) ?? 0);
    if (more > 0) extra[kind] = more;
  }
  return extra;
}
