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
  /** Request headers, names in lower case. */
  readonly headers: RsHeaders;
  /**
   * The parsed `application/x-www-form-urlencoded` body, when the framework parsed one. Only read when
   * form-body tokens are enabled (RFC 6750 §2.2).
   */
  readonly form?: Readonly<Record<string, unknown>> | undefined;
  /**
   * The address of the peer that connected to this server, when known: the socket's address, never a
   * forwarded one. `certificateHeader.trustedProxies` is matched against it.
   */
  readonly peerAddress?: string | undefined;
  /**
   * The client certificate of the TLS connection, when this server terminated TLS and the client
   * presented one (RFC 8705): DER bytes (Node's `socket.getPeerCertificate().raw`) or PEM text (API
   * Gateway's `clientCert.clientCertPem`). Leave it unset when TLS ends at a proxy; the proxy's header
   * is then the source (`certificateHeader`).
   */
  readonly clientCertificate?: Uint8Array | string | undefined;
}

/** Lower-case header name → value(s). */
export type RsHeaders = Readonly<Record<string, string | readonly string[] | undefined>>;

/**
 * The single value of a header, `undefined` when absent, or `null` when it was sent more than once as
 * separate values (an array of two or more).
 */
export function singleHeader(headers: RsHeaders, name: string): string | undefined | null {
  const value = Object.hasOwn(headers, name) ? headers[name] : undefined;
  if (value === undefined || typeof value === 'string') return value;
  if (value.length === 0) return undefined;
  return value.length === 1 ? value[0] : null;
}
