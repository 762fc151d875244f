import { isObject } from '../encoding/json-object.js';
import { isNumericDate } from '../encoding/numeric-date.js';
import { ownClaim } from './own-claim.js';

/** The JSON type a claim or introspection member must have. */
export type MemberType = 'string' | 'number' | 'strings' | 'object';

/**
 * The claims and introspection members with a type: the members of RFC 7662 §2.2 that have one (which
 * are also the registered claims of RFC 7519 §4.1 and RFC 9068 §2.2), and `cnf` (RFC 7800 §3.1). `scope`
 * and `aud` may also be lists of strings, as real servers send them (Access Management, Keycloak). A JWT
 * and an introspection answer are checked against this one table, so that the same wrongly typed member
 * is never read one way in a token and another way in an answer: read as absent, it would let `azp` name
 * the client in place of a `client_id` of the wrong type, or leave the subject unknown.
 */
export const MEMBER_TYPES: readonly (readonly [member: string, type: MemberType])[] = [
  ['exp', 'number'],
  ['iat', 'number'],
  ['nbf', 'number'],
  ['scope', 'strings'],
  ['aud', 'strings'],
  ['iss', 'string'],
  ['sub', 'string'],
  ['client_id', 'string'],
  ['username', 'string'],
  ['token_type', 'string'],
  ['jti', 'string'],
  ['cnf', 'object'],
];

/**
 * The confirmation methods with a type (RFC 8705 §3.1 and its `x5t#SHA256` spelling, RFC 9449 §6.2,
 * RFC 7800 §3.2). Whether a value is a valid thumbprint or key stays the confirm stage's question.
 */
export const CNF_MEMBER_TYPES: readonly (readonly [member: string, type: MemberType])[] = [
  ['x5t#S256', 'string'],
  ['x5t#SHA256', 'string'],
  ['jkt', 'string'],
  ['jwk', 'object'],
];

const TYPE_NAMES: Readonly<Record<MemberType, string>> = {
  string: 'a string',
  number: 'a finite number',
  strings: 'a string or a list of strings',
  object: 'a JSON object',
};

/** A member whose value has the wrong type. */
export interface MemberTypeProblem {
  /** The member's name, `cnf.<method>` for a confirmation method. */
  readonly member: string;
  /** What it must be, to follow "is not": `a string`, `a finite number`, … */
  readonly expected: string;
}

/**
 * The first member of {@link MEMBER_TYPES} (then of `cnf`, {@link CNF_MEMBER_TYPES}) whose value has the
 * wrong type, or `undefined` when none has. A member that is absent is fine; `null` is a value, of the
 * wrong type: a caller that reads `null` as absent removes such members first.
 */
export function memberTypeProblem(members: Readonly<Record<string, unknown>>): MemberTypeProblem | undefined {
  for (const [member, type] of MEMBER_TYPES) {
    // Own members, as tokenInfoFromClaims reads them.
    const value = ownClaim(members, member);
    if (value !== undefined && !hasType(value, type)) return { member, expected: TYPE_NAMES[type] };
  }
  const cnf = ownClaim(members, 'cnf');
  if (cnf === undefined) return undefined;
  for (const [member, type] of CNF_MEMBER_TYPES) {
    const value = ownClaim(cnf as Readonly<Record<string, unknown>>, member);
    if (value !== undefined && !hasType(value, type))
      return { member: `cnf.${member}`, expected: TYPE_NAMES[type] };
  }
  return undefined;
}

function hasType(value: unknown, type: MemberType): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return isNumericDate(value);
    case 'strings':
      return (
        typeof value === 'string' ||
        (Array.isArray(value) && value.every((entry) => typeof entry === 'string'))
      );
    case 'object':
      return isObject(value);
  }
}
