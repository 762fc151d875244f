import { ownClaim } from '../claims/own-claim.js';
import { isObject } from '../encoding/json-object.js';
import type { Revocation } from '../revocation/revocation.js';

/** Aliases followed per subject identifier: a SET naming hundreds of identities is refused. */
const MAX_ALIASES = 16;

/** Which part of a subject an event names: a session event prefers the session, others the user. */
export type SubjectFocus = 'user' | 'session';

/**
 * The revocations an RFC 9493 subject identifier (or an OpenID Shared Signals complex subject) names:
 *
 * - `iss_sub` → by `sub`, for that issuer; `opaque` → by `sub`;
 * - `jwt_id` → by `jti`, for that issuer;
 * - `aliases` → each of its identifiers;
 * - complex subjects (`user`, `session`, `application`…): `session` (opaque) → by `sid` when the event is
 *   about sessions, `user` → as above, `application` (opaque) → by `client`;
 * - `email`, `phone_number`, `account`, `did`, `uri` name no claim an access token is indexed by: none.
 *
 * Returns `undefined` when the identifier is not an object of a known shape.
 */
export function revocationsForSubject(
  subject: unknown,
  focus: SubjectFocus,
  depth = 0,
): Revocation[] | undefined {
  if (!isObject(subject) || depth > 2) return undefined;
  // Own members only (as ownClaim reads them): a `format` inherited from a polluted Object.prototype would
  // read every complex subject as an email address, which names no token, and revoke nothing.
  const member = (name: string) => ownClaim(subject, name);
  const format = member('format');
  if (format === undefined) return complexSubject(subject, focus, depth);
  switch (format) {
    case 'iss_sub': {
      // A non-empty issuer: the revocation list refuses an empty one, after the SET's jti is used up.
      const [iss, sub] = [member('iss'), member('sub')];
      return nonEmpty(iss) && nonEmpty(sub) ? [{ by: 'sub', value: sub, issuer: iss }] : undefined;
    }
    case 'opaque': {
      const id = member('id');
      return nonEmpty(id) ? [{ by: 'sub', value: id }] : undefined;
    }
    case 'jwt_id': {
      const [iss, jti] = [member('iss'), member('jti')];
      return nonEmpty(iss) && nonEmpty(jti) ? [{ by: 'jti', value: jti, issuer: iss }] : undefined;
    }
    case 'aliases': {
      const identifiers = member('identifiers');
      if (!Array.isArray(identifiers) || identifiers.length > MAX_ALIASES) return undefined;
      const all: Revocation[] = [];
      for (const identifier of identifiers)
        all.push(...(revocationsForSubject(identifier, focus, depth + 1) ?? []));
      return all;
    }
    case 'email':
    case 'phone_number':
    case 'account':
    case 'did':
    case 'uri':
      return [];
    default:
      return undefined;
  }
}

function complexSubject(
  subject: Record<string, unknown>,
  focus: SubjectFocus,
  depth: number,
): Revocation[] | undefined {
  const session = ownClaim(subject, 'session');
  const sessionId = opaqueId(session);
  if (focus === 'session' && sessionId !== undefined) return [{ by: 'sid', value: sessionId }];
  const user = ownClaim(subject, 'user');
  if (user !== undefined) return revocationsForSubject(user, focus, depth + 1);
  const applicationId = opaqueId(ownClaim(subject, 'application'));
  if (applicationId !== undefined) return [{ by: 'client', value: applicationId }];
  return isObject(session) ? [] : undefined;
}

/** The `id` of an `opaque` subject identifier, when `value` is one (own members only). */
function opaqueId(value: unknown): string | undefined {
  if (!isObject(value) || ownClaim(value, 'format') !== 'opaque') return undefined;
  const id = ownClaim(value, 'id');
  return nonEmpty(id) ? id : undefined;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1_024;
}
