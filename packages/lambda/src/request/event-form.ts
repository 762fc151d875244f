import type { RsHeaders } from '@rs/core/adapter';
import {
  FORM_BODY_TOO_LARGE,
  FORM_BODY_UNREADABLE,
  type FormBody,
  type FormReading,
  formBodyWanted,
  formFromText,
  NO_FORM_BODY,
} from '@rs/core/adapter';

interface EventBody {
  readonly body?: string | null | undefined;
  readonly isBase64Encoded: boolean;
}

/**
 * The form-urlencoded body of an event as `RsRequest`'s `form`; nothing when core would not look at it
 * anyway (form tokens off, GET or HEAD, another media type, no body). A body larger than
 * `maxFormBodyBytes` (before or after base64 decoding) or that is not valid base64 is `formUnexamined`,
 * which core refuses: a token in it can be neither found nor ruled out.
 */
export function eventForm(
  event: EventBody,
  method: string,
  headers: RsHeaders,
  reading: FormReading,
): FormBody {
  const { body } = event;
  if (typeof body !== 'string' || !formBodyWanted(reading, method, headers['content-type']))
    return NO_FORM_BODY;
  if (!event.isBase64Encoded) return formFromText(body, reading.maxBytes);
  // Every 4 base64 characters make at most 3 bytes: refuse before decoding anything large.
  if (body.length > Math.ceil(reading.maxBytes / 3) * 4) return FORM_BODY_TOO_LARGE;
  const text = decodeBase64(body);
  return text === undefined ? FORM_BODY_UNREADABLE : formFromText(text, reading.maxBytes);
}

function decodeBase64(body: string): string | undefined {
  try {
    return new TextDecoder().decode(Uint8Array.from(atob(body), (char) => char.charCodeAt(0)));
  } catch {
    return undefined;
  }
}
