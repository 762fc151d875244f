import { shownUrl } from './shown-url.js';

/**
 * An option key or value as a message names it, quoted: as written, unless it is a URL carrying
 * credentials or a query (`https://admin:pw@as.example.com`, `…/?api_key=…`), which is shown as
 * {@link shownUrl} shows it, without them. Keys of some options are URLs (`issuerRouter`'s issuers), and a
 * message goes wherever the application sends its errors; the origin and path still tell which one.
 *
 * @example
 * ```ts
 * shownKey('https://admin:pw@as.example.com'); // '"https://as.example.com/"'
 * shownKey('urn:example:issuer'); // '"urn:example:issuer"'
 * ```
 */
export function shownKey(key: string): string {
  if (!URL.canParse(key)) return JSON.stringify(key);
  const parsed = new URL(key);
  const hidden = parsed.username !== '' || parsed.password !== '' || parsed.search !== '';
  return JSON.stringify(hidden ? shownUrl(key) : key);
}
