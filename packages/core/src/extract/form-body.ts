const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/**
 * Whether a `Content-Type` is `application/x-www-form-urlencoded` (parameters allowed), the only body
 * RFC 6750 §2.2 lets carry a token. Adapters that read raw bodies check it before reading one.
 */
export function isFormUrlEncoded(contentType: string | readonly string[] | undefined | null): boolean {
  return typeof contentType === 'string' && FORM_MEDIA_TYPE.test(contentType);
}
