import { RsError } from '../errors/rs-error.js';
import { readStreamAtMost } from '../http/bounded-stream.js';
import type { RsHeaders, RsRequest } from '../request.js';
import {
  FORM_BODY_TOO_LARGE,
  FORM_BODY_UNREADABLE,
  type FormBody,
  type FormReading,
  formBodyWanted,
  formRecord,
  NO_FORM_BODY,
} from './form-body.js';
import { requestUrl } from './public-url.js';

/**
 * Translates a Fetch `Request` to core's request, for adapters whose framework hands one over (Fetch
 * handlers, Hono, …). The URL is `request.url`, or its path and query under `publicBase` (from
 * {@link publicBaseUrl}); Fetch exposes no peer address or client certificate, so none is set.
 *
 * @example
 * ```ts
 * const result = await resourceServer.authenticate(await fetchRsRequest(request, publicBase, reading));
 * ```
 */
export async function fetchRsRequest(
  request: Request,
  publicBase: string | undefined,
  form: FormReading,
): Promise<RsRequest> {
  return {
    method: request.method,
    url: publicUrlOf(request, publicBase),
    headers: headersRecord(request.headers),
    ...(await requestForm(request, form)),
  };
}

/**
 * The form-urlencoded body of a Fetch `Request`, read from a clone so the handler can still read it, as
 * `RsRequest`'s `form`; nothing when core would not look at it anyway (see {@link formBodyWanted}). A
 * body larger than `reading.maxBytes` (by its `Content-Length`, or by the bytes that arrive) or that fails
 * to arrive is `formUnexamined`, which core refuses: a token in it can be neither found nor ruled out. A
 * body core wants that something already read (`bodyUsed`) or locked throws an `RsError`
 * (`ERR_RS_FORM_BODY_READ`): the request cannot be decided as sent.
 *
 * @example
 * ```ts
 * const { form, formUnexamined } = await requestForm(request, reading);
 * ```
 */
export async function requestForm(request: Request, reading: FormReading): Promise<FormBody> {
  if (!formBodyWanted(reading, request.method, request.headers.get('content-type'))) return NO_FORM_BODY;
  // Read by something before the resource server (a wrapper, a middleware): a token in it cannot be
  // seen, so the request cannot be decided as sent (alone, or beside a header token: 400). A set-up
  // mistake, not the client's: thrown, as a bug is.
  // A stream locked by a reader (`getReader()`) is as good as read: it cannot be cloned.
  if (request.bodyUsed || request.body?.locked === true)
    throw new RsError('ERR_RS_FORM_BODY_READ', FORM_BODY_READ);
  if (request.body === null) return NO_FORM_BODY;
  const declared = request.headers.get('content-length');
  if (declared !== null && !(Number(declared) <= reading.maxBytes)) return FORM_BODY_TOO_LARGE;
  const clone = request.clone().body;
  if (clone === null) return NO_FORM_BODY;
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readStreamAtMost(clone, reading.maxBytes);
  } catch {
    // A body that fails to arrive may have held a token; the handler meets the same error if it reads it.
    return FORM_BODY_UNREADABLE;
  }
  if (bytes === undefined) return FORM_BODY_TOO_LARGE;
  return { form: formRecord(new URLSearchParams(new TextDecoder().decode(bytes))) };
}

const FORM_BODY_READ =
  'the request body was read before the resource server could look for a form-body token ' +
  '(tokenLocations.formBody): authenticate before whatever reads the body, or read it from a clone';

/**
 * The URL the client used: the request's own, or its path and query under the configured public base
 * when a proxy in front (TLS termination, path prefix stripping) changed scheme, host or path.
 */
function publicUrlOf(request: Request, publicBase: string | undefined): string {
  if (publicBase === undefined) return request.url;
  const url = new URL(request.url);
  return requestUrl(publicBase, undefined, undefined, `${url.pathname}${url.search}`);
}

/**
 * Copies Fetch `Headers` into core's record. Names are already lower case; a repeated header arrives
 * comma-joined, which core reads as one value (a repeated `Authorization` then fails its grammar).
 */
function headersRecord(headers: Headers): RsHeaders {
  // No prototype: a header named like an Object.prototype member must not read as present.
  const record: Record<string, string> = Object.create(null);
  headers.forEach((value, name) => {
    record[name] = value;
  });
  return record;
}
