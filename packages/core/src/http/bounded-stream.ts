/**
 * Reads a byte stream to its end unless more than `maxBytes` arrive, then stops reading and returns
 * `undefined`. A declared length may be absent (chunked) or wrong, so the limit is enforced on what
 * actually arrives. Errors of the stream itself are thrown.
 *
 * @example
 * ```ts
 * const body = await readStreamAtMost(request.clone().body!, 64 * 1024);
 * if (body === undefined) console.log('too large');
 * ```
 */
export async function readStreamAtMost(
  stream: ReadableStream<Uint8Array>,
  maxBytes: number,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      // Not awaited: cancelling one branch of a teed body settles only once the other branch is done.
      reader.cancel().catch(() => undefined);
      return undefined;
    }
    chunks.push(value);
  }
  return concat(chunks, size);
}

/** Joins chunks into one array of `size` bytes. */
export function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  if (chunks.length === 1) return chunks[0]!;
  const out = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return out;
}
