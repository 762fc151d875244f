import { readStreamAtMost } from '../http/bounded-stream.js';
import { type FormReading, type FormRecord, formBodyWanted, formRecord } from './form-body.js';

/**
 * The form-urlencoded body of a Fetch `Request`, read from a clone so the handler can still read it;
 * `undefined` when core would not look at it anyway (see {@link formBodyWanted}), or when the body is
 * larger than `reading.maxBytes` or cannot be read. For adapters whose framework hands over a Fetch
 * `Request` (Fetch handlers, Hono, …).
 *
 * @example
 * ```ts
 * const form = await requestForm(request, reading);
 * ```
 */
export async function requestForm(request: Request, reading: FormReading): Promise<FormRecord | undefined> {
  if (!formBodyWanted(reading, request.method, request.headers.get('content-type'))) return undefined;
  if (request.body === null || request.bodyUsed) return undefined;
  const declared = request.headers.get('content-length');
  if (declared !== null && !(Number(declared) <= reading.maxBytes)) return undefined;
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
