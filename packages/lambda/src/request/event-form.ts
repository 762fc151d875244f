import type { RsHeaders } from '@rs/core';
import { type FormRecord, formRecord, isFormUrlEncoded } from '@rs/core';

/** How request bodies are translated into `RsRequest.form`. */
export interface FormReading {
  /** Whether `tokenLocations.formBody` is on; otherwise bodies are never parsed. */
  readonly enabled: boolean;
  /** Larger bodies are not parsed: a form that only carries a token is small. */
  readonly maxBytes: number;
}

interface EventBody {
  readonly body?: string | null | undefined;
  readonly isBase64Encoded: boolean;
}

/**
 * The form-urlencoded body of an event, or `undefined` when core would not look at it anyway (form
 * tokens off, GET or HEAD, another media type) or when it is too large to be a token-carrying form.
 */
export function eventForm(
  event: EventBody,
  method: string,
  headers: RsHeaders,
  reading: FormReading,
): FormRecord | undefined {
  const { body } = event;
  if (!reading.enabled || method === 'GET' || method === 'HEAD' || body === undefined || body === null)
    return undefined;
  const contentType = headers['content-type'];
  if (!isFormUrlEncoded(contentType)) return undefined;
  const text = event.isBase64Encoded ? decodeBase64(body, reading.maxBytes) : body;
  // A form-urlencoded body is ASCII, so its length in characters is its length in bytes.
  if (text === undefined || text.length > reading.maxBytes) return undefined;
  return formRecord(new URLSearchParams(text));
}

function decodeBase64(body: string, maxBytes: number): string | undefined {
  // Every 4 base64 characters make at most 3 bytes: refuse before decoding anything large.
  if (body.length > Math.ceil(maxBytes / 3) * 4) return undefined;
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(body), (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
}
