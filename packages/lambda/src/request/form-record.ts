/** A parsed form: a key sent more than once keeps every value, so core can refuse two `access_token`s. */
export type FormRecord = Readonly<Record<string, string | readonly string[]>>;

/** Collects form parameters, repeated keys into arrays. */
export function formRecord(params: URLSearchParams): FormRecord {
  // No prototype: a `__proto__` key must stay a plain entry.
  const form: Record<string, string | string[]> = Object.create(null);
  for (const [key, value] of params) {
    const existing = form[key];
    if (existing === undefined) form[key] = value;
    else if (typeof existing === 'string') form[key] = [existing, value];
    else existing.push(value);
  }
  return form;
}
