import { integerBetween, type OptionRule, type OptionSchema } from '../config/option-schema.js';
import { isFormUrlEncoded, methodTakesForm } from '../extract/form-body.js';
import type { RsRequest } from '../request.js';
import type { ResourceServer } from '../resource-server.js';

/** A parsed form: a key sent more than once keeps every value, so a repeated `access_token` is seen. */
export type FormRecord = Readonly<Record<string, string | readonly string[]>>;

/** A form that only carries a token is small: larger bodies are not read by default. */
export const DEFAULT_MAX_FORM_BODY_BYTES = 64 * 1024;

/**
 * The smallest `maxFormBodyBytes`: the shortest form that could carry a token, `access_token=` and one
 * character. Below it every form body is too large, and every form POST is refused 400.
 */
export const SMALLEST_FORM_BODY_LIMIT = 'access_token=x'.length;

/**
 * The largest `maxFormBodyBytes`, 16 MiB: sixteen times the longest token a JWT resolver accepts
 * (`maxTokenLength` at most 1 MiB), beside the form's other fields. The body is held in memory while it
 * is read, so a larger limit (`1e12`) is no limit: a client could make each request buffer gigabytes.
 */
export const LARGEST_FORM_BODY_LIMIT = 16 * 1024 * 1024;

/** The `maxFormBodyBytes` rule: one rule, so one message whatever the mistake (0, 1e12, 1.5, '1024'). */
const FORM_BODY_LIMIT: OptionRule = integerBetween(
  SMALLEST_FORM_BODY_LIMIT,
  LARGEST_FORM_BODY_LIMIT,
  'bytes',
);

/** The option of adapters that read raw request bodies themselves (Fetch, Lambda). */
export interface FormBodySettings {
  /**
   * With `tokenLocations.formBody`, the largest form body read for a token. A larger one (by its
   * `Content-Length` or by the bytes that arrive), or one that cannot be read, is not decided without
   * it: the request is refused with 400 `invalid_request` (`malformed_authorization`), since a token in
   * it can be neither found nor ruled out. Default 64 KiB; from 14 bytes (`access_token=` and one
   * character: below it every form POST would be refused) to 16 MiB (the body is held in memory).
   */
  readonly maxFormBodyBytes?: number | undefined;
}

/**
 * What an adapter learnt of a request's form body, spread into its `RsRequest`: the parsed `form`, or
 * `formUnexamined` when core would look at the body but it was too large or could not be read (core then
 * refuses the request); empty when core would not look at it.
 */
export interface FormBody {
  /** The parsed form fields, when core looks at the body and it could be read. */
  readonly form?: FormRecord | undefined;
  /** Why the body could not be examined (too large, unreadable); core then refuses the request. */
  readonly formUnexamined?: RsRequest['formUnexamined'] | undefined;
}

const UTF8 = new TextEncoder();

/** A body core does not look at, or that has none. */
export const NO_FORM_BODY: FormBody = Object.freeze({});
/** A body larger than `maxFormBodyBytes`. */
export const FORM_BODY_TOO_LARGE: FormBody = Object.freeze({ formUnexamined: 'too-large' });
/** A body that failed to arrive or to decode. */
export const FORM_BODY_UNREADABLE: FormBody = Object.freeze({ formUnexamined: 'unreadable' });

/** The rules of {@link FormBodySettings}, for the schema of an adapter's options. */
export const FORM_BODY_SETTINGS: OptionSchema<FormBodySettings> = { maxFormBodyBytes: FORM_BODY_LIMIT };

/** How one adapter turns request bodies into `RsRequest.form`, decided once at start-up. */
export interface FormReading {
  /** Whether `tokenLocations.formBody` is on; otherwise bodies are never read. */
  readonly enabled: boolean;
  /** Larger bodies are not read. */
  readonly maxBytes: number;
}

/**
 * Checks `maxFormBodyBytes` at start-up and pairs it with whether the resource server reads form-body
 * tokens at all.
 *
 * @example
 * ```ts
 * const reading = formReading(resourceServer, options.maxFormBodyBytes);
 * // { enabled: false, maxBytes: 65536 } unless tokenLocations.formBody is on
 * ```
 */
export function formReading(
  resourceServer: ResourceServer,
  maxFormBodyBytes: number | undefined,
  option = 'maxFormBodyBytes',
): FormReading {
  const maxBytes = maxFormBodyBytes ?? DEFAULT_MAX_FORM_BODY_BYTES;
  // Checked here too: an adapter may call this without FORM_BODY_SETTINGS in its options' schema.
  FORM_BODY_LIMIT.check(maxBytes, option);
  return { enabled: resourceServer.tokenLocations.formBody, maxBytes };
}

/**
 * Whether core would look at this request's body at all: form tokens on, a method whose body means something (POST, PUT, PATCH), and the
 * `application/x-www-form-urlencoded` media type (RFC 6750 §2.2). Read nothing otherwise.
 *
 * @example
 * ```ts
 * if (formBodyWanted(reading, request.method, headers['content-type'])) form = await readIt();
 * ```
 */
export function formBodyWanted(
  reading: FormReading,
  method: string,
  contentType: string | readonly string[] | undefined | null,
): boolean {
  return reading.enabled && methodTakesForm(method) && isFormUrlEncoded(contentType);
}

/**
 * Parses a form-urlencoded body core wants ({@link formBodyWanted}), or says it is too large when it
 * is longer than `maxBytes` in UTF-8 bytes: core refuses the request then, rather than decide it without
 * the token the body may hold. A form-urlencoded body should be ASCII, but one that is not is measured
 * as the bytes it arrived as, as the adapters that read streams measure it.
 *
 * @example
 * ```ts
 * formFromText('access_token=abc', 1024); // { form: { access_token: 'abc' } }
 * formFromText('access_token=abc', 8); // { formUnexamined: 'too-large' }
 * ```
 */
export function formFromText(text: string, maxBytes: number): FormBody {
  // Bytes, as every adapter counts a body: a character is one to three bytes of UTF-8 (a surrogate pair
  // four for two). Encoded only when the character count alone cannot decide, so at most 3 × maxBytes.
  if (text.length > maxBytes) return FORM_BODY_TOO_LARGE;
  if (text.length * 3 > maxBytes && UTF8.encode(text).byteLength > maxBytes) return FORM_BODY_TOO_LARGE;
  return { form: formRecord(new URLSearchParams(text)) };
}

/**
 * Collects form parameters into a record, repeated keys into arrays, for `RsRequest.form`.
 *
 * @example
 * ```ts
 * formRecord(new URLSearchParams('access_token=a&access_token=b')); // { access_token: ['a', 'b'] }
 * ```
 */
export function formRecord(params: URLSearchParams): FormRecord {
  // No prototype: a `__proto__` or `constructor` key stays a plain entry.
  const form: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of params) {
    const existing = form[key];
    if (existing === undefined) form[key] = value;
    else if (typeof existing === 'string') form[key] = [existing, value];
    else existing.push(value);
  }
  return form;
}

/**
 * A body the framework already parsed, when it is an object (what form parsers produce: plain,
 * null-prototype or `fast-querystring` records), else `undefined`: text, and bytes (a `Buffer`, an
 * `ArrayBuffer`) a raw-body parser left, are not parsed. Core reads its `access_token` only when
 * form-body tokens are on and the request's content type is form-urlencoded, so a JSON body passed here is
 * harmless.
 *
 * @example
 * ```ts
 * parsedFormBody({ access_token: 'abc' }); // { access_token: 'abc' }
 * parsedFormBody('raw text'); // undefined
 * parsedFormBody(Buffer.from('access_token=abc')); // undefined
 * ```
 */
export function parsedFormBody(body: unknown): Readonly<Record<string, unknown>> | undefined {
  if (typeof body !== 'object' || body === null) return undefined;
  // Bytes hold their parameters unparsed: read as a record, they would seem to hold no token.
  if (ArrayBuffer.isView(body) || body instanceof ArrayBuffer) return undefined;
  return body as Record<string, unknown>;
}
