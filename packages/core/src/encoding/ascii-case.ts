const ASCII_CAPITAL = /[A-Z]/g;

/**
 * `text` with its ASCII capitals in lower case, and nothing else changed: the case-insensitive form of a
 * name the RFCs compare in ASCII case only (a token type, RFC 6749 §7.1; a media type, RFC 6838 §4.2).
 * `toLowerCase()` maps by Unicode: the KELVIN SIGN (U+212A) becomes `k`, so `access_to\u212Aen` would
 * read as `access_token`.
 *
 * @example
 * ```ts
 * asciiLowerCase('Access_Token'); // 'access_token'
 * asciiLowerCase('access_to\u212Aen'); // 'access_to\u212Aen'
 * ```
 */
export function asciiLowerCase(text: string): string {
  return text.replace(ASCII_CAPITAL, (capital) => String.fromCharCode(capital.charCodeAt(0) | 0x20));
}
