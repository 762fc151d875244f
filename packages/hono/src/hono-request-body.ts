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
function bodyReadBefore(request: Request, reading: FormReading): boolean {
  // A stream locked by a reader is as good as read: it cannot be cloned for core.
  const readOrLocked = request.bodyUsed || request.body?.locked === true;
  return readOrLocked && formBodyWanted(reading, request.method, request.headers.get('content-type'));
}

/**
 * The raw request, or, when {@link bodyReadBefore} says so, a copy carrying the body Hono's readers
 * cached: core reads a form-body token from it as from the raw body, up to `maxFormBodyBytes`, and
 * refuses it as it refuses the raw body when it is larger or cannot be read.
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

/**
 * See {@link requestForCore}: the request once its form body is known to be used. Core applies
 * `maxFormBodyBytes` to the cached body (and to the declared `Content-Length`, kept from the raw request)
 * as to a body it reads itself, and refuses a larger one: of a larger body, only one byte more than the
 * limit is copied, which is enough for that.
 */
async function requestWithCachedBody(
  input: Request | HonoRequestBody,
  reading: FormReading,
): Promise<Request> {
  const raw = 'bodyCache' in input ? input.raw : input;
  const cached = 'bodyCache' in input ? cachedBody(input.bodyCache as CachedBodies) : undefined;
  if (cached === undefined) throw new RsError('ERR_RS_FORM_BODY_READ', BODY_READ_PAST_HONO);
  let body: unknown;
  try {
    body = await cached;
  } catch (error) {
    // Whoever read it met the error; core meets it too, and refuses a body it could not examine.
    return withBody(raw, failingStream(error));
  }
  return withBody(raw, formBody(body, reading.maxBytes + 1));
}

/** The request with an unused copy of its body: core refuses a used body it wants (`ERR_RS_FORM_BODY_READ`). */
function withBody(raw: Request, body: BodyInit): Request {
  const init: RequestInit = { method: raw.method, headers: raw.headers, body };
  // `duplex` lets a stream be a request body (Node requires it; the Request types do not know it yet).
  if (body instanceof ReadableStream) Object.assign(init, { duplex: 'half' });
  return new Request(raw.url, init);
}

/** A body that fails when read, as the cached read did. */
function failingStream(error: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream({
    start(controller) {
      controller.error(error);
    },
  });
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
 * The cached body as a request body, cut after `atMost` bytes (a text after as many characters, each at
 * least a byte). A form that only `formData()` read is written out again: urlencoded, it holds text
 * fields only.
 */
function formBody(body: unknown, atMost: number): BodyInit {
  if (body instanceof ArrayBuffer || body instanceof Blob || typeof body === 'string') {
    return body.slice(0, atMost);
  }
  if (body instanceof FormData) {
    const params = new URLSearchParams();
    for (const [name, value] of body) if (typeof value === 'string') params.append(name, value);
    return params.toString().slice(0, atMost);
  }
  // A cache this code does not know (another Hono version's): as unreadable as no cache at all.
  throw new RsError('ERR_RS_FORM_BODY_READ', BODY_READ_PAST_HONO);
}
