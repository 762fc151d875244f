import { trimSpacesAndTabs } from '../encoding/text-ends.js';
import { type Outcome, refusal, success } from '../errors/failure.js';
import { headerTexts, type RsHeaders } from '../request.js';
import { B64TOKEN } from './b64token.js';

/**
 * The longest `Cookie` header read, in characters. Servers cap request headers at 8 to 16 KiB; a longer
 * one is refused rather than scanned.
 */
export const MAX_COOKIE_HEADER_LENGTH = 16 * 1024;

/**
 * The token in the cookie `name` (RFC 6265 §4.2.1: `name=value` pairs separated by `;`), `undefined`
 * when the request has no such cookie or an empty one. Names compare exactly (cookie names are
 * case-sensitive) once the spaces and tabs around them are stripped; a value may be wrapped in double
 * quotes. The cookie twice (a second one set for another path or domain) is ambiguous and refused, as is
 * a value that is not a b64token.
 */
export function cookieToken(headers: RsHeaders, name: string): Outcome<string | undefined> {
  // HTTP/2 may send one Cookie header per pair; Node joins them with "; ", an array keeps them apart.
  const header = headerTexts(headers, 'cookie').join('; ');
  if (!header.includes(name)) return success(undefined);
  if (header.length > MAX_COOKIE_HEADER_LENGTH)
    return refusal('malformed_authorization', 'The Cookie header is too large');
  let value: string | undefined;
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=');
    // Spaces and tabs only, as RFC 6265 §5.2 and the frameworks' cookie parsers strip them: `trim()` would
    // also take U+00A0 (the obs-text byte 0xA0) or U+3000, reading as this cookie one they see as another.
    if (equals === -1 || trimSpacesAndTabs(pair.slice(0, equals)) !== name) continue;
    if (value !== undefined) return refusal('multiple_token_methods', `More than one ${name} cookie`);
    value = unquoted(trimSpacesAndTabs(pair.slice(equals + 1)));
  }
  if (value === undefined || value === '') return success(undefined);
  if (!B64TOKEN.test(value))
    return refusal('malformed_authorization', `The ${name} cookie is not a valid b64token`);
  return success(value);
}

function unquoted(value: string): string {
  return value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}
