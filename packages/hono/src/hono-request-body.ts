import { type FormReading, formBodyWanted, RsError } from '@rs/core/adapter';
import type { HonoRequest } from 'hono';

/**
 * What the resource server needs of Hono's request (`c.req`): the raw `Request`, and the bodies Hono's
 * own readers (`parseBody()`, `text()`, `arrayBuffer()`, `blob()`, `formData()`, `json()`) cached.
 */
export type HonoRequestBody = Pick<HonoRequest, 'raw' | 'bodyCache'>;

// Hono declares its cache with the bodies' types, but stores the readers' promises: read each as unknown
// and await it, which takes both.
type CachedBodies = Readonly<Record<'arrayBuffer' | 'text' | 'blob' | 'formData', unknown>>;

/**
 * Whether middleware before ours read a body core wants: form tokens on, POST, PUT or PATCH,
 * form-urlencoded, and the body used or locked. Core refuses such a body (`ERR_RS_FORM_BODY_READ`)
 * rather than miss a token in it; when Hono's readers read it, {@link requestWithCachedBody} finds it.
 * Cheap, and false for nearly every request, so the middleware awaits nothing more otherwise.
 */
export function bodyReadBefore(request: Request, reading: FormReading): boolean {
  // A stream locked by a reader is as good as read: it cannot be cloned for core.
  const readOrLocked = request.bodyUsed || request.body?.locked === true;
  return readOrLocked && formBodyWanted(reading, request.method, request.headers.get('content-type'));
}

/**
 * The raw request, or, when {@link bodyReadBefore} says so, a copy carrying the body Hono's readers
 * cached: core reads a form-body token from it as from the raw body, up to `maxFormBodyBytes`.
 *
 * A form body read past Hono's cache (`c.req.raw.text()`, or a plain `Request` whose body is used)
 * cannot be seen: rather than decide the request without it, this throws, and Hono answers 500 through
 * its error handler.
 */
export async function requestForCore(
  input: Request | HonoRequestBody,
  reading: FormReading,
): Promise<Request> {
  const raw = 'bodyCache' in input ? input.raw : input;
  if (!bodyReadBefore(raw, reading)) return raw;
  return requestWithCachedBody(input, reading);
}

/** See {@link requestForCore}: the request once its form body is known to be used. */
export async function requestWithCachedBody(
  input: Request | HonoRequestBody,
  reading: FormReading,
): Promise<Request> {
  const raw = 'bodyCache' in input ? input.raw : input;
  const cached = 'bodyCache' in input ? cachedBody(input.bodyCache as CachedBodies) : undefined;
  if (cached === undefined) throw new RsError('ERR_RS_FORM_BODY_READ', BODY_READ_PAST_HONO);
  let body: unknown;
  try {
    body = await cached;
  } catch {
    // As core treats a body that fails to arrive: it carries no token, and whoever read it met the error.
    return withoutBody(raw);
  }
  const bytes = await formBytes(body, reading.maxBytes);
  // Too large: no token, as core decides for a body it reads itself.
  if (bytes === undefined) return withoutBody(raw);
  return new Request(raw.url, { method: raw.method, headers: raw.headers, body: bytes });
}

/**
 * The request with no body, for one whose cached body carries no token: core refuses a used body it
 * wants (`ERR_RS_FORM_BODY_READ`), and finds no form in one that has none.
 */
function withoutBody(raw: Request): Request {
  return new Request(raw.url, { method: raw.method, headers: raw.headers });
}

const BODY_READ_PAST_HONO =
  "@rs/hono: the form body was read before the resource server's middleware, past Hono's body cache " +
  '(c.req.raw read directly?), so a token in it cannot be seen and the request is not decided. Read ' +
  "bodies with c.req's readers (parseBody(), text(), formData(), …), or put the middleware first.";

/**
 * The body Hono's readers cached, exact bytes first; `undefined` when none was cached. A `json()` read is
 * cached as text; a form parsed by `parseBody()` also as bytes.
 */
function cachedBody(cache: CachedBodies): Promise<unknown> | undefined {
  for (const key of ['arrayBuffer', 'text', 'blob', 'formData'] as const) {
    if (cache[key] !== undefined) return Promise.resolve(cache[key]);
  }
  return undefined;
}

/**
 * The cached body as bytes, or `undefined` when it holds more than `maxBytes`. A form that only
 * `formData()` read is written out again: urlencoded, it holds text fields only.
 */
async function formBytes(body: unknown, maxBytes: number): Promise<Uint8Array<ArrayBuffer> | undefined> {
  if (body instanceof ArrayBuffer) return body.byteLength <= maxBytes ? new Uint8Array(body) : undefined;
  if (typeof body === 'string') return boundedText(body, maxBytes);
  if (body instanceof Blob)
    return body.size <= maxBytes ? new Uint8Array(await body.arrayBuffer()) : undefined;
  if (body instanceof FormData) {
    const params = new URLSearchParams();
    for (const [name, value] of body) if (typeof value === 'string') params.append(name, value);
    return boundedText(params.toString(), maxBytes);
  }
  // A cache this code does not know (another Hono version's): as unreadable as no cache at all.
  throw new RsError('ERR_RS_FORM_BODY_READ', BODY_READ_PAST_HONO);
}

function boundedText(text: string, maxBytes: number): Uint8Array<ArrayBuffer> | undefined {
  // UTF-8 takes at least a byte per character: a longer text is too large before it is encoded.
  if (text.length > maxBytes) return undefined;
  const bytes = new TextEncoder().encode(text);
  return bytes.byteLength <= maxBytes ? bytes : undefined;
}
