/** What one instance tells the others over pub/sub: drop one key, or drop everything. */
export type EvictionMessage =
  | { readonly from: string; readonly key: string; readonly clear?: undefined }
  | { readonly from: string; readonly clear: true; readonly key?: undefined };

// A key is a prefix and a hash; anything longer on the channel did not come from this store.
const MAX_MESSAGE_LENGTH = 4096;

export function encodeEvictionMessage(message: EvictionMessage): string {
  return JSON.stringify(message);
}

/** The message, or `undefined` for anything this store did not publish. */
export function decodeEvictionMessage(text: string): EvictionMessage | undefined {
  if (text.length > MAX_MESSAGE_LENGTH) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const { from, key, clear } = parsed as Record<string, unknown>;
  if (typeof from !== 'string') return undefined;
  if (clear === true) return { from, clear: true };
  return typeof key === 'string' ? { from, key } : undefined;
}
