import { contentCodings, mediaTypeOf } from '../http/media-type.js';
import { headerTexts, type RsHeaders } from '../request.js';

/**
 * Whether a `Content-Type` is `application/x-www-form-urlencoded` (parameters allowed), the only body
 * RFC 6750 §2.2 lets carry a token. Adapters that read raw bodies check it before reading one.
 */
export function isFormUrlEncoded(contentType: string | readonly string[] | undefined | null): boolean {
  return typeof contentType === 'string' && mediaTypeOf(contentType) === 'application/x-www-form-urlencoded';
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
    if (contentCodings(value).length > 0) return true;
  }
  return false;
}
