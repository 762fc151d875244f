/**
 * Where the resource server looks for the access token. Only the `Authorization` header is on by
 * default; the others are opt-in because RFC 6750 discourages them (tokens in URLs leak into logs).
 */
export interface TokenLocations {
  /** `Authorization: Bearer <token>` (RFC 6750 §2.1). Default `true`. */
  readonly authorizationHeader?: boolean | undefined;
  /**
   * `access_token` in an `application/x-www-form-urlencoded` body of a POST, PUT or PATCH, never on GET
   * (§2.2). A form body that cannot be examined (too large, unreadable, not parsed by the framework, or
   * sent with a `Content-Encoding` such as gzip) is refused with 400, never decided as if it held no
   * token. Default `false`.
   */
  readonly formBody?: boolean | undefined;
  /** `access_token` query parameter (§2.3). Successful answers then carry `Cache-Control: private`. Default `false`. */
  readonly query?: boolean | undefined;
  /**
   * The query parameter that carries the token with `query: true`, like NGINX's `tokenQueryParam` or
   * ForgeRock Identity Gateway's `clientTokenName`. Default `access_token` (RFC 6750 §2.3).
   */
  readonly queryParameter?: string | undefined;
  /** A custom header carrying the bare token, like ForgeRock Identity Gateway's `clientTokenName`. Default none. */
  readonly header?: string | undefined;
  /**
   * The name of a cookie carrying the bare token (e.g. `__Host-access_token`), for browser clients of a
   * backend-for-frontend. Default none. Browsers attach cookies to every request, including ones another
   * site makes them send: a cookie-authenticated route is exposed to cross-site request forgery, which
   * this library does not check. Set the cookie `Secure; HttpOnly; SameSite=Strict` (or `Lax` with no
   * state change on GET) with the `__Host-` prefix, and on state-changing routes also require a header
   * a cross-site form cannot send (or check `Origin`). A token in a cookie is a Bearer token: a DPoP- or
   * certificate-bound token there is refused like any bound token presented without its proof.
   */
  readonly cookie?: string | undefined;
}
