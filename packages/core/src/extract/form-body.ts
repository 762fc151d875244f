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
