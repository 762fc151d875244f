/**
 * Answers that say "not now" rather than "not here": too many requests (429), a request timeout (408),
 * and temporary redirects (302, 303, 307), which are not followed but may well stop. A permanent
 * redirect (301, 308) or any other status below 500 says the URL is wrong, which will not fix itself.
 */
const TRANSIENT_STATUSES: ReadonlySet<number> = new Set([302, 303, 307, 408, 429]);

/**
 * Whether a status other than the one expected may pass by itself (a 5xx, 429, 408, a temporary
 * redirect), so that asking again later is the remedy; otherwise the URL asked, or the server behind it,
 * is set up wrong, and only a change of configuration mends it.
 *
 * @example
 * ```ts
 * isTransientStatus(503); // true: try again later
 * isTransientStatus(404); // false: no such document there
 * ```
 */
export function isTransientStatus(status: number): boolean {
  return status >= 500 || TRANSIENT_STATUSES.has(status);
}
