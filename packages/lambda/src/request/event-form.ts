import type { RsHeaders } from '@rs/core/adapter';
import { type FormReading, type FormRecord, formBodyWanted, formFromText } from '@rs/core/adapter';

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
  if (typeof body !== 'string' || !formBodyWanted(reading, method, headers['content-type'])) return undefined;
  const text = event.isBase64Encoded ? decodeBase64(body, reading.maxBytes) : body;
  return text === undefined ? undefined : formFromText(text, reading.maxBytes);
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
