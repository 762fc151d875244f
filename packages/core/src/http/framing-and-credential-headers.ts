/**
 * Header fields (lower case) that frame an HTTP message or carry the client's credentials: the length and
 * transfer coding of the body, the connection's own fields (RFC 9110 §7.6.1, with the `Keep-Alive` and
 * `Proxy-Connection` of HTTP/1.0 proxies), `Host`, and `Cookie`, `Authorization`, `Proxy-Authorization`
 * and `DPoP`. Configuration naming one as a header of its own is refused: a claim written into
 * `Content-Length` or `Host` would reframe or reroute the upstream request, one written into
 * `Authorization` would pass as the client's credentials, and a client certificate never comes in any of
 * them.
 */
export const FRAMING_AND_CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'host',
  'cookie',
  'authorization',
  'proxy-authorization',
  'dpop',
]);
