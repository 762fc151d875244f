import { trimSpacesAndTabs } from '../encoding/text-ends.js';
import { headerTexts, type RsHeaders } from '../request.js';

const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/**
 * Whether a `Content-Type` is `application/x-www-form-urlencoded` (parameters allowed), the only body
 * RFC 6750 §2.2 lets carry a token. Adapters that read raw bodies check it before reading one.
 */
export function isFormUrlEncoded(contentType: string | readonly string[] | undefined | null): boolean {
  return typeof contentType === 'string' && FORM_MEDIA_TYPE.test(contentType);
}

// RFC 9110 §9.3: POST, PUT and PATCH give their content a meaning; GET, HEAD, DELETE, OPTIONS, TRACE and
// CONNECT give it none, and a method this list does not know is not assumed to.
const FORM_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH']);

/**
 * Whether a request of this method may carry a token in its form body: RFC 6750 §2.2 allows it only for
 * "a method for which the request-body has defined semantics", which are POST, PUT and PATCH. A form on
 * any other method is not read.
 */
export function methodTakesForm(method: string): boolean {
  return FORM_METHODS.has(method);
}

// The one content-coding (RFC 9110 §8.4) that leaves the body as it is, in any case (ASCII only).
const IDENTITY = /^identity$/i;

/**
 * Whether one `Content-Encoding` list element, between its optional spaces and tabs, names no coding:
 * `identity` or an empty element (§5.6.1.2). Anything else (gzip, deflate, br, zstd, a name nobody knows,
 * white space other than spaces and tabs) does. Trimmed by hand: `/^[ \t]*(?:identity)?[ \t]*$/i` took
 * time quadratic in a run of spaces followed by anything else, which any unauthenticated client can send.
 */
function namesNoCoding(element: string): boolean {
  const coding = trimSpacesAndTabs(element);
  return coding === '' || IDENTITY.test(coding);
}

/**
 * Whether a body was sent content-coded: a `Content-Encoding` naming any coding other than `identity`
 * (RFC 9110 §8.4). Such a form body is not read for a token: adapters would read it as text, where a
 * token compressed inside stays unseen, and frameworks that inflate it disagree with those that do not.
 * Core refuses the request instead (`malformed_authorization`, 400), in every adapter alike.
 *
 * @example
 * ```ts
 * isContentCoded({ 'content-encoding': 'gzip' }); // true
 * isContentCoded({ 'content-encoding': 'identity' }); // false
 * isContentCoded({}); // false
 * ```
 */
export function isContentCoded(headers: RsHeaders): boolean {
  for (const value of headerTexts(headers, 'content-encoding')) {
    for (const element of value.split(',')) if (!namesNoCoding(element)) return true;
  }
  return false;
}
