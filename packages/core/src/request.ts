import { trimSpacesAndTabs } from './encoding/text-ends.js';

/**
 * The framework-neutral request that adapters build: the only input of the pipeline.
 *
 * Header names are lower case. A header sent more than once is either an array (Node's
 * `IncomingHttpHeaders`, Lambda's multi-value headers) or one comma-joined string (Fetch `Headers`);
 * both are understood.
 */
export interface RsRequest {
  /** HTTP method, upper case. */
  readonly method: string;
  /**
   * The absolute URL the client used (scheme, host, path, query). Behind a TLS-terminating proxy this is
   * the public URL, not the one the proxy connected to: adapters take it from the framework's
   * proxy-aware fields or from a configured public base URL.
   */
  readonly url: string;
  /**
   * Request headers, names in lower case. A value that is not text (a `null` copied from a loosely typed
   * event, a list element that is not a string) counts as not sent.
   *
   * A value may be handed over as it arrived, with spaces and tabs around it: core strips those from every
   * value it reads (RFC 9110 §5.5: they are not part of the field value), as Node's parser, Fetch
   * `Headers` and the Lambda adapters already do, so a runtime of its own gets the same answer as every
   * adapter. Nothing else is stripped: white space inside a value (`Bearer<TAB>token`) and other white
   * space around it (a line break, a no-break space) are read as sent, and refused where they do not
   * belong.
   */
  readonly headers: RsHeaders;
  /**
   * The parsed `application/x-www-form-urlencoded` body, when the framework parsed one. Only read when
   * form-body tokens are enabled (RFC 6750 §2.2).
   */
  readonly form?: Readonly<Record<string, unknown>> | undefined;
  /**
   * Why the form body could not be examined, set by an adapter that reads bodies itself when core would
   * have looked at it (form-body tokens on, POST, PUT or PATCH, `application/x-www-form-urlencoded`) and
   * could not: `'too-large'` (over the adapter's `maxFormBodyBytes`, by its declared length or by the
   * bytes that arrived) or `'unreadable'` (it failed to arrive or to decode). A token in it can then be
   * neither found nor ruled out, so the request is refused (400 `invalid_request`,
   * `malformed_authorization`), never decided as if the body held none.
   */
  readonly formUnexamined?: 'too-large' | 'unreadable' | undefined;
  /**
   * The address of the peer that connected to this server, when known: the socket's address, never a
   * forwarded one. `certificateHeader.trustedProxies` is matched against it.
   */
  readonly peerAddress?: string | undefined;
  /**
   * Whether the connection arrived on a loopback address of this server (`socket.localAddress`), when the
   * adapter knows: the server's own knowledge, where the URL's host may be the client's `Host` header.
   * `false` refuses plain http even to a URL naming `localhost` (with `requireHttps`, the default); unset,
   * the URL's host alone decides. Node adapters set it from the socket, Lambda adapters to `false`.
   */
  readonly loopbackConnection?: boolean | undefined;
  /**
   * The client certificate of the TLS connection, when this server terminated TLS and the client
   * presented one (RFC 8705): DER bytes (Node's `socket.getPeerCertificate().raw`) or PEM text (API
   * Gateway's `clientCert.clientCertPem`). Leave it unset when TLS ends at a proxy; the proxy's header
   * is then the source (`certificateHeader`). A `null` from a loosely typed event counts as none; any
   * other value that is neither is answered 401 `certificate_invalid`, never thrown on.
   */
  readonly clientCertificate?: Uint8Array | string | undefined;
}

/** Lower-case header name → value(s). */
export type RsHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The single value of a header, `undefined` when absent, or `null` when it was sent more than once as
 * separate values (an array of two or more). Only text is a value: a header whose value is neither a
 * string nor an array (`null`, a number, in a request built by hand against its type) is absent, and so
 * is each element of an array that is not a string, so that a client's request is answered, never thrown
 * on. The value comes without the spaces and tabs around it ({@link fieldValue}).
 */
export function singleHeader(headers: RsHeaders, name: string): string | undefined | null {
  const value: unknown = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (typeof value === 'string') return fieldValue(value);
  if (!Array.isArray(value)) return undefined;
  let found: string | undefined;
  for (const item of value as readonly unknown[]) {
    if (typeof item !== 'string') continue;
    if (found !== undefined) return null;
    found = item;
  }
  return found === undefined ? undefined : fieldValue(found);
}

/**
 * Every value of a header as text, in order, each without the spaces and tabs around it
 * ({@link fieldValue}): `[]` when absent. Values that are not strings are left out, as
 * {@link singleHeader} leaves them out.
 */
export function headerTexts(headers: RsHeaders, name: string): readonly string[] {
  const value: unknown = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (typeof value === 'string') return [fieldValue(value)];
  if (!Array.isArray(value)) return [];
  const texts: string[] = [];
  for (const item of value as readonly unknown[]) if (typeof item === 'string') texts.push(fieldValue(item));
  return texts;
}

/**
 * A header value as core reads it: without the spaces and tabs (RFC 9110 `OWS`) before and after it,
 * which are no part of the field value (§5.5). Node's parser, Fetch `Headers` and the Lambda adapters
 * strip them before core sees the value; a request built by hand or by another runtime may still carry
 * them, and must be read alike, or `" Bearer <expired>"` would be no token at all, and an optional route
 * would let it in. Only spaces and tabs go: other white space stays, for the reader to refuse.
 *
 * @example
 * ```ts
 * fieldValue(' Bearer abc\t'); // 'Bearer abc'
 * fieldValue('Bearer abc\n'); // 'Bearer abc\n'
 * ```
 */
export function fieldValue(value: string): string {
  // Nearly every value arrives clean, from an adapter that stripped it: trimSpacesAndTabs reads its first
  // and last characters and returns it as it is, with no copy.
  return trimSpacesAndTabs(value);
}
