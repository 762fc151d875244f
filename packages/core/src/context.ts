import type { TokenInfo } from './token-info.js';

/** Where the access token was found in the request (RFC 6750 §2, or a cookie). */
export type TokenLocation = 'authorization-header' | 'form-body' | 'query' | 'custom-header' | 'cookie';

/** The claims of a token when the application names no type of its own. */
export type DefaultClaims = Readonly<Record<string, unknown>>;

/**
 * What the application receives for an accepted request: the token's normalized claims plus how it was
 * presented. The raw token is available as `token` but is not enumerable, so logging or serializing the
 * context never prints it.
 *
 * `Claims` types `claims` with the application's own claims (`OAuth2Context<MyClaims>`, also spelled
 * {@link RsContext}). It is a statement about what the authorization server issues, as jose's
 * `jwtVerify<Payload>` is: nothing checks the claims against it at run time; check what you rely on
 * with the route's policy (`claims`).
 *
 * It has every member of {@link TokenInfo} but `answerExpiresAt`, the expiry of a signed introspection
 * answer that token caches read to keep the answer no longer: read `expiresAt` for the token's own.
 */
export interface OAuth2Context<Claims extends object = DefaultClaims>
  extends Omit<TokenInfo, 'claims' | 'answerExpiresAt'> {
  /**
   * The token's claims (JWT payload or introspection answer). Frozen when a token cache hands them to more
   * than one request (`tokenCache`, `verifiedTokenCache`): read them, never change them.
   */
  readonly claims: Readonly<Claims>;
  /** The raw access token, for relaying to downstream APIs. Never log it. */
  readonly token: string;
  /**
   * The authorization scheme the token was presented with: `DPoP` when a DPoP proof (RFC 9449) was
   * checked, `Bearer` otherwise (also for tokens from the form body, query or a custom header).
   */
  readonly scheme: 'Bearer' | 'DPoP';
  /** Where the token was read from (header, form body, query, custom header, cookie). */
  readonly location: TokenLocation;
}

/**
 * The context an adapter hands to the application, with the application's own claims type.
 *
 * @example
 * ```ts
 * interface MyClaims { readonly sub: string; readonly tenant: string; readonly roles?: readonly string[] }
 * const tenantOf = (oauth2: RsContext<MyClaims>) => oauth2.claims.tenant;
 * ```
 */
export type RsContext<Claims extends object = DefaultClaims> = OAuth2Context<Claims>;

/**
 * Builds the context, keeping the raw token out of enumeration (JSON, `console.log`, spread): it is read
 * through a getter on the prototype, from a private field.
 */
export function createContext(
  info: TokenInfo,
  token: string,
  location: TokenLocation,
  scheme: OAuth2Context['scheme'] = 'Bearer',
): OAuth2Context {
  return new RequestContext(info, token, location, scheme);
}

// Node's symbol for a custom `util.inspect`, reached through the global registry: no import of node:util.
const INSPECT = Symbol.for('nodejs.util.inspect.custom');

/**
 * One class, one shape: every context is built by the same constructor, member by member, so property
 * reads stay monomorphic. (A literal followed by `Object.defineProperty` for the hidden token cost V8
 * about ten times as much per request, and a spread followed by more members more still.)
 */

class RequestContext implements OAuth2Context {
  readonly source: OAuth2Context['source'];
  readonly claims: OAuth2Context['claims'];
  readonly subject: string | undefined;
  readonly clientId: string | undefined;
  readonly issuer: string | undefined;
  readonly audience: readonly string[];
  readonly scopes: ReadonlySet<string>;
  readonly expiresAt: number | undefined;
  readonly issuedAt: number | undefined;
  readonly notBefore: number | undefined;
  readonly tokenId: string | undefined;
  readonly trackingId: string | undefined;
  readonly confirmation: OAuth2Context['confirmation'];
  readonly introspectionJwt: string | undefined;
  readonly scheme: OAuth2Context['scheme'];
  readonly location: TokenLocation;
  readonly #token: string;

  constructor(info: TokenInfo, token: string, location: TokenLocation, scheme: OAuth2Context['scheme']) {
    this.source = info.source;
    this.claims = info.claims;
    this.subject = info.subject;
    this.clientId = info.clientId;
    this.issuer = info.issuer;
    this.audience = info.audience;
    // A copy of its own: a token cache hands one answer to many requests, and a ReadonlySet is read-only to
    // TypeScript alone (`(oauth2.scopes as Set<string>).add('admin')` would grant it to the next request).
    this.scopes = new Set(info.scopes);
    this.expiresAt = info.expiresAt;
    this.issuedAt = info.issuedAt;
    this.notBefore = info.notBefore;
    this.tokenId = info.tokenId;
    this.trackingId = info.trackingId;
    this.confirmation = info.confirmation;
    this.introspectionJwt = info.introspectionJwt;
    this.scheme = scheme;
    this.location = location;
    this.#token = token;
  }

  /** The raw access token: not an own property, so no enumeration, JSON or spread finds it. */
  get token(): string {
    return this.#token;
  }

  /**
   * What Node's `util.inspect` (and `console.log`) shows: the context's own members. Asked to show hidden
   * members and call getters (`{ showHidden: true, getters: true }`), it would otherwise call `token`.
   */
  [INSPECT](): object {
    return { ...this };
  }
}
