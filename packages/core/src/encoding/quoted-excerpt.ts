/**
 * A value from elsewhere (a server's document, a JWK) for an error message: JSON-quoted, and cut to
 * `max` characters with `…` when longer, so that a hostile document cannot fill logs and health reports.
 */
export function quotedExcerpt(value: string, max: number): string {
  return JSON.stringify(value.length > max ? `${value.slice(0, max)}…` : value);
}

/** The longest `kid` a message quotes whole; a longer one is cut. */
const MAX_KID_SHOWN = 64;

/**
 * How a message names a key: its `kid`, quoted and cut, or its position in its set (`#2`) when it has no
 * string `kid`. Key material is never shown.
 */
export function kidLabel(kid: unknown, position: number): string {
  return typeof kid === 'string' ? quotedExcerpt(kid, MAX_KID_SHOWN) : `#${position}`;
}
