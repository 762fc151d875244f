// RFC 9110 §5.1: field-name = token (§5.6.2: tchar).
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// RFC 9110 §5.5: a field value is visible characters (and obs-text) with spaces or tabs between them,
// never at either end; CR, LF and NUL never, which would split the message or end the header.
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

/** Whether `name` is a header field name (RFC 9110 §5.1), in any case. */
export function isHeaderName(name: unknown): name is string {
  return typeof name === 'string' && FIELD_NAME.test(name);
}

/** Whether `value` can be sent as a header field value (RFC 9110 §5.5): no line break or NUL to smuggle. */
export function isHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && FIELD_VALUE.test(value);
}
