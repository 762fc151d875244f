/**
 * Where the resource server looks for the access token. Only the `Authorization` header is on by
 * default; the others are opt-in because RFC 6750 discourages them (tokens in URLs leak into logs).
 */
export interface TokenLocations {
  /** `Authorization: Bearer <token>` (RFC 6750 §2.1). Default `true`. */
  readonly authorizationHeader?: boolean;
  /** `access_token` in an `application/x-www-form-urlencoded` body, never on GET (§2.2). Default `false`. */
  readonly formBody?: boolean;
  /** `access_token` query parameter (§2.3). Successful answers then carry `Cache-Control: private`. Default `false`. */
  readonly query?: boolean;
  /** A custom header carrying the bare token, like ForgeRock Identity Gateway's `clientTokenName`. Default none. */
  readonly header?: string;
}
