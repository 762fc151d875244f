import { RsConfigError } from '../config/config-error.js';
import { isPlainObject, type OptionRule } from '../config/option-schema.js';
import { FRAMING_HEADERS } from './framing-and-credential-headers.js';

// RFC 9110 §5.6.2 tchar: "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|"
// / "~" / DIGIT / ALPHA. A field name is a token of them (§5.1), and so is an authentication scheme (§11.1).
const TCHAR = "!#$%&'*+\\-.^_`|~0-9A-Za-z";
const FIELD_NAME = new RegExp(`^[${TCHAR}]+$`);
const TOKEN_CHARACTER = new RegExp(`^[${TCHAR}]$`);
// RFC 9110 §5.5: a field value is visible characters (and obs-text) with spaces or tabs between them,
// never at either end; CR, LF and NUL never, which would split the message or end the header.
const FIELD_VALUE = /^(?:[\x21-\x7e\x80-\xff](?:[\t\x20-\x7e\x80-\xff]*[\x21-\x7e\x80-\xff])?)?$/;

/** Whether the character with this code is a token character (RFC 9110 §5.6.2 tchar). */
export function isTokenCharacter(code: number): boolean {
  return TOKEN_CHARACTER.test(String.fromCharCode(code));
}

/** Whether `name` is a header field name (RFC 9110 §5.1), in any case. */
export function isHeaderName(name: unknown): name is string {
  return typeof name === 'string' && FIELD_NAME.test(name);
}

/** Whether `value` can be sent as a header field value (RFC 9110 §5.5): no line break or NUL to smuggle. */
export function isHeaderValue(value: unknown): value is string {
  return typeof value === 'string' && FIELD_VALUE.test(value);
}

/**
 * Header fields the HTTP client owns on a request it sends: {@link FRAMING_HEADERS} (the body's length and
 * coding, the connection's own fields, `Host`) and `Expect`, whose `100-continue` exchange neither
 * built-in client speaks. Undici and `fetch` refuse most of them at every request (a configuration
 * accepted at start-up, then every request failing as a network error), and disagree on `Host`: undici
 * sends the one given, to the configured address, where a server with virtual hosts answers as another
 * site; `fetch` drops it.
 */
const CLIENT_OWNED_HEADERS: ReadonlySet<string> = new Set([...FRAMING_HEADERS, 'expect']);

/**
 * Header fields to send (`{ authorization: 'Bearer …' }`): names that are field names and not ones the
 * HTTP client owns (`Host`, `Content-Length`, `Transfer-Encoding`, `Connection`, …, `Expect`), values
 * without line breaks or control characters. A value is never repeated in the message: it is often a
 * credential.
 */
export const headerFields: OptionRule = {
  expected: 'an object of header names and values',
  check(value, path) {
    if (!isPlainObject(value))
      throw new RsConfigError(path, 'must be a plain object of header names and values');
    for (const name of Object.keys(value)) {
      if (!isHeaderName(name))
        throw new RsConfigError(path, `${JSON.stringify(name)} is not a header name (RFC 9110 §5.1)`);
      if (CLIENT_OWNED_HEADERS.has(name.toLowerCase()))
        throw new RsConfigError(
          path,
          `${JSON.stringify(name)} is set by the HTTP client for the message it sends, not by configuration`,
        );
      if (!isHeaderValue(value[name]))
        throw new RsConfigError(
          `${path}[${JSON.stringify(name)}]`,
          'must be a header value: a string without line breaks, control characters or white space at either end',
        );
    }
  },
};
