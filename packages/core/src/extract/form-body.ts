/** A parsed form: a key sent more than once keeps every value, so a repeated `access_token` is seen. */
export type FormRecord = Readonly<Record<string, string | readonly string[]>>;

const FORM_MEDIA_TYPE = /^application\/x-www-form-urlencoded\s*(?:;|$)/i;

/**
 * Whether a `Content-Type` is `application/x-www-form-urlencoded` (parameters allowed), the only body
 * RFC 6750 §2.2 lets carry a token. Adapters that read raw bodies check it before reading one.
 */
export function isFormUrlEncoded(contentType: string | readonly string[] | undefined | null): boolean {
  return typeof contentType === 'string' && FORM_MEDIA_TYPE.test(contentType);
}

/**
 * Collects form parameters into a record, repeated keys into arrays, for {@link RsRequest.form}.
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
