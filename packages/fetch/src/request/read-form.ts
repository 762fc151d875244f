import type { RsHeaders } from '@rs/core';
import { type FormRecord, formRecord, isFormUrlEncoded, readStreamAtMost } from '@rs/core';

/** How request bodies are translated into `RsRequest.form`. */
export interface FormReading {
  /** Whether `tokenLocations.formBody` is on; otherwise bodies are never read. */
  readonly enabled: boolean;
  /** Larger bodies are not read: a form that only carries a token is small. */
  readonly maxBytes: number;
}

/**
 * The form-urlencoded body, read from a clone so the handler can still read it; `undefined` when core
 * would not look at it anyway (form tokens off, GET or HEAD, another media type), or when the body is
 * larger than `maxBytes` or cannot be read.
 */
export async function readForm(
  request: Request,
  headers: RsHeaders,
  reading: FormReading,
): Promise<FormRecord | undefined> {
  if (!reading.enabled || request.method === 'GET' || request.method === 'HEAD') return undefined;
  const contentType = headers['content-type'];
  if (!isFormUrlEncoded(contentType)) return undefined;
  if (request.body === null || request.bodyUsed) return undefined;
  const declared = headers['content-length'];
  if (typeof declared === 'string' && !(Number(declared) <= reading.maxBytes)) return undefined;
  const clone = request.clone().body;
  if (clone === null) return undefined;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readStreamAtMost(clone, reading.maxBytes);
  } catch {
    // A body that fails to arrive carries no token; the handler meets the same error if it reads it.
    return undefined;
  }
  return bytes && formRecord(new URLSearchParams(new TextDecoder().decode(bytes)));
}
