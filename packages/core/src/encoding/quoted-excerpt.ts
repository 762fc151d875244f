/**
 * A value from elsewhere (a server's document, a JWK) for an error message: JSON-quoted, and cut to
 * `max` characters with `…` when longer, so that a hostile document cannot fill logs and health reports.
 */
export function quotedExcerpt(value: string, max: number): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}
