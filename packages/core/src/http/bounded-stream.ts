/**
 * Reads a byte stream to its end unless more than `maxBytes` arrive, then stops reading and returns
 * `undefined`. A declared length may be absent (chunked) or wrong, so the limit is enforced on what
 * actually arrives. Errors of the stream itself are thrown.
 *
 * When `signal` aborts first, the stream is cancelled and the signal's reason thrown: a response body
 * holds its connection until it is read to the end or cancelled, and one that a server stalls is never
 * read to the end. Giving up on the read alone would leave that connection open for as long as the server
 * likes.
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
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  const reader = stream.getReader();
  // Not awaited: cancelling one branch of a teed body settles only once the other branch is done.
  const cancel = (reason?: unknown): void => {
    reader.cancel(reason).catch(() => undefined);
  };
  const cancelOnAbort = (): void => cancel(signal?.reason);
  if (signal?.aborted) {
    cancelOnAbort();
    throw signal.reason;
  }
  signal?.addEventListener('abort', cancelOnAbort, { once: true });
  try {
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      // A cancel ends a pending read as if the body were over: what was read is not the whole body.
      if (signal?.aborted) throw signal.reason;
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        cancel();
        return undefined;
      }
      chunks.push(value);
    }
    return concat(chunks, size);
  } finally {
    signal?.removeEventListener('abort', cancelOnAbort);
  }
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
