import { isObject } from '../encoding/json-object.js';
import { ownClaim } from './own-claim.js';

/**
 * Whether `claims` are those of a Security Event Token (RFC 8417): an `events` claim that is a JSON
 * object, its members the event types. An OpenID back-channel logout token is one (`events` naming
 * `http://schemas.openid.net/event/backchannel-logout`), and so are the SETs of Shared Signals (CAEP,
 * RISC). Such a token states an event about its subject, never an authorization: RFC 8417's security
 * considerations ("Distinguishing SETs from Access Tokens") have access-token validation look for the
 * `events` claim, and a validator refuse a JWT carrying it unless it wants a SET.
 *
 * Their `typ` header (`logout+jwt`, `secevent+jwt`) says so too, but only where the issuer writes it:
 * OpenID Back-Channel Logout §2.4 recommends it, RFC 8417 §2.3 requires it only where the issuer sees a
 * risk of confusion. A logout token typed `JWT` or not at all, with its `exp` and the client's ID as
 * `aud`, would otherwise pass for an access token wherever `audience` names that client or
 * `acceptAnyAudience` is set. An `events` claim of another type (an
 * application's own list) is no SET's and passes.
 */
export function isSecurityEventToken(claims: Readonly<Record<string, unknown>>): boolean {
  return isObject(ownClaim(claims, 'events'));
}
