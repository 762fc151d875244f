/**
 * Header fields (lower case) that the HTTP layer owns for the message it sends: the length and transfer
 * coding of the body (RFC 9112 §6), the connection's own fields (RFC 9110 §7.6.1, RFC 9112 §9.6, with the
 * `Keep-Alive` and `Proxy-Connection` of HTTP/1.0 proxies), and `Host`, which only a request carries. A
 * configured value would make the server send a message other than the one it frames: a `Content-Length`
 * larger than the body leaves the client waiting, a smaller one cuts the body, `Transfer-Encoding` beside
 * the length the framework adds is a message a proxy may split differently (request smuggling), and a
 * `Host` would reroute an upstream request.
 */
export const FRAMING_HEADERS: ReadonlySet<string> = new Set([
  'content-length',
  'transfer-encoding',
  'connection',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'proxy-connection',
  'host',
]);

/**
 * {@link FRAMING_HEADERS}, and the fields that carry the client's credentials: `Cookie`, `Authorization`,
 * `Proxy-Authorization` and `DPoP`. Configuration naming one as a header of its own is refused: a claim
 * written into `Authorization` would pass as the client's credentials, and a client certificate never
 * comes in any of them.
 */
export const FRAMING_AND_CREDENTIAL_HEADERS: ReadonlySet<string> = new Set([
  ...FRAMING_HEADERS,
  'cookie',
  'authorization',
  'proxy-authorization',
  'dpop',
]);
