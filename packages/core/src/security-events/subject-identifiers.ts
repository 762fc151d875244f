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
  const format = subject.format;
  if (format === undefined) return complexSubject(subject, focus, depth);
  switch (format) {
    case 'iss_sub':
      // A non-empty issuer: the revocation list refuses an empty one, after the SET's jti is used up.
      return nonEmpty(subject.iss) && nonEmpty(subject.sub)
        ? [{ by: 'sub', value: subject.sub, issuer: subject.iss }]
        : undefined;
    case 'opaque':
      return nonEmpty(subject.id) ? [{ by: 'sub', value: subject.id }] : undefined;
    case 'jwt_id':
      return nonEmpty(subject.iss) && nonEmpty(subject.jti)
        ? [{ by: 'jti', value: subject.jti, issuer: subject.iss }]
        : undefined;
    case 'aliases': {
      const identifiers = subject.identifiers;
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
  const session = subject.session;
  if (focus === 'session' && isObject(session) && session.format === 'opaque' && nonEmpty(session.id))
    return [{ by: 'sid', value: session.id }];
  if (subject.user !== undefined) return revocationsForSubject(subject.user, focus, depth + 1);
  const application = subject.application;
  if (isObject(application) && application.format === 'opaque' && nonEmpty(application.id))
    return [{ by: 'client', value: application.id }];
  return isObject(session) ? [] : undefined;
}

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 1_024;
}
