import { isObject } from './encoding/json-object.js';
import { isNumericDate } from './encoding/numeric-date.js';

const hasOwn = Object.hasOwn;
/** Proof-of-possession confirmation (RFC 7800 `cnf`), as carried by the token or the introspection answer. */
export interface Confirmation {
  /** RFC 8705 certificate thumbprint, base64url SHA-256 of the DER certificate. */
  readonly 'x5t#S256'?: string | undefined;
  /** RFC 9449 JWK thumbprint of the DPoP key. */
  readonly jkt?: string | undefined;
  /** A bound public key. */
  readonly jwk?: Readonly<Record<string, unknown>> | undefined;
  readonly [member: string]: unknown;
}

/** What a resolver learned about a token: the claims and their normalized, typed forms. */
export interface TokenInfo {
  /** How the token was validated. */
  readonly source: 'jwt' | 'introspection';
  /** Every claim or introspection member, unchanged. */
  readonly claims: Readonly<Record<string, unknown>>;
  /** `sub`; `undefined` when absent or not a string. */
  readonly subject: string | undefined;
  /**
   * `client_id`, else `azp`, else the claim a server that writes neither names the client in: Okta's `cid`
   * (in its access tokens, `ver: 1`), Microsoft Entra ID's and AD FS's `appid` (in v1.0 tokens,
   * `ver: "1.0"`), and the `aud`, when one string, of an Access Management client-based token (`cts`
   * `OAUTH2_STATELESS_GRANT`). A claim that is present but not a string names no client, and the next is
   * not read in its place.
   */
  readonly clientId: string | undefined;
  /** `iss`; `undefined` when absent or not a string. */
  readonly issuer: string | undefined;
  /** `aud`, always as a list (empty when absent). */
  readonly audience: readonly string[];
  /**
   * Granted scopes, from `scope` (space-separated string or array) or, when the token has no `scope`,
   * `scp`. Each token has a set of its own, and each request's context a copy of it: a token cache hands
   * one answer to the token's later requests.
   */
  readonly scopes: ReadonlySet<string>;
  /** `exp`, seconds since the epoch. */
  readonly expiresAt: number | undefined;
  /** `iat`, seconds since the epoch. */
  readonly issuedAt: number | undefined;
  /** `nbf`, seconds since the epoch. */
  readonly notBefore: number | undefined;
  /** `jti`: a safe identifier for logs and audit. */
  readonly tokenId: string | undefined;
  /**
   * The authorization server's audit tracking ID (Access Management's `auditTrackingId`): logged beside
   * `tokenId`, it ties a request to the server's audit trail for the grant.
   */
  readonly trackingId: string | undefined;
  /**
   * `cnf`, when it is a JSON object. A `cnf` of any other type leaves this `undefined` and is refused by
   * the confirm stage (`claims.cnf` still holds it). Frozen, as the claims are, when a token cache hands it
   * to more than one request: read it, never change it.
   */
  readonly confirmation: Confirmation | undefined;
  /**
   * The signed RFC 9701 introspection answer (a JWS), when the introspection resolver asked for one
   * (`jwtResponse`) and the token was checked by that request; a cached answer may not carry it.
   */
  readonly introspectionJwt?: string | undefined;
  /**
   * The RFC 9701 answer's own `exp` (seconds since the epoch), when it has one: how long the authorization
   * server vouches for this answer, which may be sooner than the token's `exp`. Caches keep the answer no
   * longer.
   */
  readonly answerExpiresAt?: number | undefined;
}

/**
 * Normalizes a JWT claim set or an introspection answer into a {@link TokenInfo}. Tolerates the shapes
 * real servers send: `scope` as a string or an array, `scp`, `aud` as a string or an array.
 */
export function tokenInfoFromClaims(
  claims: Readonly<Record<string, unknown>>,
  source: TokenInfo['source'],
): TokenInfo {
  // Own members only, as ownClaim reads them: an inherited `scope` or `sub` is no part of the token.
  // Written out member by member: loads of fixed names stay fast where ownClaim's keyed ones do not.
  const cnf = hasOwn(claims, 'cnf') ? claims.cnf : undefined;
  return {
    source,
    claims,
    subject: stringClaim(hasOwn(claims, 'sub') ? claims.sub : undefined),
    clientId: clientOf(claims),
    issuer: stringClaim(hasOwn(claims, 'iss') ? claims.iss : undefined),
    audience: stringList(hasOwn(claims, 'aud') ? claims.aud : undefined),
    scopes: scopesOf(claims),
    expiresAt: numericDate(hasOwn(claims, 'exp') ? claims.exp : undefined),
    issuedAt: numericDate(hasOwn(claims, 'iat') ? claims.iat : undefined),
    notBefore: numericDate(hasOwn(claims, 'nbf') ? claims.nbf : undefined),
    tokenId: stringClaim(hasOwn(claims, 'jti') ? claims.jti : undefined),
    trackingId: stringClaim(hasOwn(claims, 'auditTrackingId') ? claims.auditTrackingId : undefined),
    confirmation: isObject(cnf) ? confirmationOf(cnf) : undefined,
  };
}

/**
 * The client the token was issued to. Only an absent claim gives way to the next: a `client_id` of the
 * wrong type next to an `azp` naming another client must not be answered with that client (the resolvers
 * refuse such a token; a resolver of the application's own may not).
 */
function clientOf(claims: Readonly<Record<string, unknown>>): string | undefined {
  const clientId = hasOwn(claims, 'client_id') ? claims.client_id : undefined;
  if (clientId !== undefined) return stringClaim(clientId);
  const azp = hasOwn(claims, 'azp') ? claims.azp : undefined;
  if (azp !== undefined) return stringClaim(azp);
  // Okta's access tokens (`ver` the number 1) name the client in `cid`, Microsoft Entra ID's and AD FS's
  // v1.0 tokens (`ver` "1.0") in `appid`: without them such a token has no client, audit events name none
  // and `revoke({ by: 'client' })` never reaches it. Read beside the version marker of the server that
  // defines the claim only, so that another issuer's `cid` (a customer, a correlation ID) is no client.
  const version = hasOwn(claims, 'ver') ? claims.ver : undefined;
  if (version === 1 && hasOwn(claims, 'cid')) return stringClaim(claims.cid);
  if (version === '1.0' && hasOwn(claims, 'appid')) return stringClaim(claims.appid);
  return accessManagementClient(claims);
}

/**
 * The client of an Access Management client-based token: such a token (`cts` `OAUTH2_STATELESS_GRANT`)
 * names no `client_id` or `azp`, and AM sets its `aud` to the client's ID. Read from a verified token
 * only, so the marker is the issuer's word, not the client's.
 */
function accessManagementClient(claims: Readonly<Record<string, unknown>>): string | undefined {
  return (hasOwn(claims, 'cts') ? claims.cts : undefined) === 'OAUTH2_STATELESS_GRANT'
    ? stringClaim(hasOwn(claims, 'aud') ? claims.aud : undefined)
    : undefined;
}

// Some servers spell the RFC 8705 member `x5t#SHA256`; both spellings mean the same thumbprint. Whatever
// its type, it is carried over, so that the confirm stage checks it rather than overlook it; when both are
// present, the confirm stage requires them to name one certificate.
function confirmationOf(cnf: Record<string, unknown>): Confirmation {
  if (cnf['x5t#S256'] === undefined && cnf['x5t#SHA256'] !== undefined) {
    return { ...cnf, 'x5t#S256': cnf['x5t#SHA256'] } as Confirmation;
  }
  return cnf as Confirmation;
}

/**
 * A new set for every token, also an empty one. A `ReadonlySet` is one only to TypeScript: one empty set
 * shared by every token without scopes would let application code that adds a scope to its context
 * (`(oauth2.scopes as Set<string>).add('admin')`, or any JavaScript caller) grant it to every other token
 * without scopes, whoever presents it.
 */
function scopesOf(claims: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const raw =
    (hasOwn(claims, 'scope') ? claims.scope : undefined) ?? (hasOwn(claims, 'scp') ? claims.scp : undefined);
  if (typeof raw === 'string') return spaceSeparated(raw);
  if (Array.isArray(raw))
    return new Set(raw.filter((s): s is string => typeof s === 'string' && s.length > 0));
  return new Set();
}

// `split(' ').filter(Boolean)` without its two arrays: this runs on every request.
function spaceSeparated(text: string): Set<string> {
  const scopes = new Set<string>();
  let start = 0;
  while (start <= text.length) {
    let end = text.indexOf(' ', start);
    if (end === -1) end = text.length;
    if (end > start) scopes.add(text.slice(start, end));
    start = end + 1;
  }
  return scopes;
}

function stringClaim(value: unknown): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function stringList(value: unknown): readonly string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return [];
}

function numericDate(value: unknown): number | undefined {
  return isNumericDate(value) ? value : undefined;
}
