// Events reach a function as JSON its trigger wrote, a console test or a hand-made fixture: any field the
// types promise may be missing, `null` or of another type. These read them without throwing.

/** An event's map (headers, query parameters), or an empty one for `null` and anything but an object. */
export function mapOf(value: unknown): Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : {};
}

/** A string field of an event, `undefined` when it is missing or not a string. */
export function textField(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

/** The strings of a list field (multi-value query parameters): none when it is not a list. */
export function textList(value: unknown): readonly string[] {
  return Array.isArray(value)
    ? (value as readonly unknown[]).filter((item): item is string => typeof item === 'string')
    : [];
}
