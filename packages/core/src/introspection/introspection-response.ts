import { CNF_MEMBER_TYPES, MEMBER_TYPES, memberTypeProblem } from '../claims/member-types.js';
import { ownClaim } from '../claims/own-claim.js';
import { tokenKindProblem } from '../claims/token-kind.js';
import { checkValidityPeriod } from '../claims/validity.js';
import { parseBoundedJson } from '../encoding/bounded-json.js';
import { checkJsonMemberNames } from '../encoding/json-duplicate-members.js';
import { isObject } from '../encoding/json-object.js';
import { type Failure, failure, type Outcome, refusal, success } from '../errors/failure.js';
import { type TokenInfo, tokenInfoFromClaims } from '../token-info.js';

/** What an introspection answer must satisfy besides `active: true`. */
export interface IntrospectionChecks {
  /** When set, a present `iss` must equal one of these. */
  readonly issuers: ReadonlySet<string> | undefined;
  /** When set, `aud` must be present and contain one of these. */
  readonly audiences: ReadonlySet<string> | undefined;
  readonly skewSeconds: number;
}

/**
 * Objects and arrays nested deeper than this in an answer are refused: RFC 7662 answers are flat, and
 * the deepest members servers add (Keycloak's `resource_access.<client>.roles`) are three levels down.
 */
export const MAX_ANSWER_DEPTH = 32;

/**
 * Why the JSON text of an answer cannot be read one way only (a phrase to follow "the answer"), or
 * `undefined`: a member named twice in one object (`{"active":false,"active":true}` is active to one
 * reader, inactive to another), or nesting deeper than {@link MAX_ANSWER_DEPTH}. `json` is text
 * `JSON.parse` accepted.
 */
export function ambiguousAnswer(json: string): string | undefined {
  const names = checkJsonMemberNames(json, MAX_ANSWER_DEPTH);
  if (names === 'duplicate') return NAMED_TWICE;
  if (names === 'too-deep') return TOO_DEEP;
  return undefined;
}

const NAMED_TWICE = 'names one member twice in one object';
const TOO_DEEP = `nests objects and arrays deeper than ${MAX_ANSWER_DEPTH} levels`;

/**
 * Parses the JSON text of a plain RFC 7662 answer: invalid JSON, a member named twice in one object, or
 * nesting deeper than {@link MAX_ANSWER_DEPTH} (found before the text is parsed) is no answer to act on
 * (`introspection_unavailable`).
 */
export function parseIntrospectionJson(json: string): Outcome<unknown> {
  const read = parseBoundedJson(json, MAX_ANSWER_DEPTH);
  if (!read.ok) {
    return refusal(
      'introspection_unavailable',
      read.problem === 'invalid' ? 'answered invalid JSON' : `answered JSON that ${TOO_DEEP}`,
    );
  }
  return read.duplicateMember
    ? refusal('introspection_unavailable', `answered JSON that ${NAMED_TWICE}`)
    : success(read.value);
}

/** How the client presented the token: the confirm stage's scheme. */
export type PresentationScheme = 'Bearer' | 'DPoP';

/**
 * Turns a parsed RFC 7662 answer into token info. Only the boolean `true` is active: `"true"`, `1` or a
 * missing `active` are not (a server answering them is broken, and broken fails closed). An active
 * answer whose members RFC 7662 (or RFC 7800 for `cnf`) gives a type have another type is broken too:
 * `introspection_unavailable`, never a refusal of the client's token. Every member is kept in `claims`,
 * whatever shape the server uses.
 *
 * `presentedWith` tells how the client presented the token, asked only for an answer saying the token
 * is DPoP-bound (`token_type: "DPoP"`) without naming the key (`cnf.jkt`): such a token is refused as
 * the confirm stage refuses a DPoP-bound token it cannot confirm, `dpop_bound_token_as_bearer` for the
 * Bearer scheme (RFC 9449 §7.2), `confirmation_unsupported` for the DPoP scheme.
 */
export function interpretIntrospection(
  answer: unknown,
  checks: IntrospectionChecks,
  nowMs: number,
  presentedWith: () => PresentationScheme,
): Outcome<TokenInfo> {
  if (!isObject(answer))
    return refusal('introspection_unavailable', 'answered an introspection response that is not an object');
  // The answer's own member: an `active` inherited from a polluted Object.prototype would make an answer
  // that says nothing of the token (`{}`, a server's error object) an active one.
  const active = ownClaim(answer, 'active');
  if (active !== true) {
    if (active === false) return refusal('token_inactive', 'The access token is not active');
    return refusal('introspection_unavailable', 'answered a response without a boolean "active"');
  }
  return interpretActive(withoutNullMembers(answer), checks, nowMs, presentedWith);
}

function interpretActive(
  answer: Readonly<Record<string, unknown>>,
  checks: IntrospectionChecks,
  nowMs: number,
  presentedWith: () => PresentationScheme,
): Outcome<TokenInfo> {
  // A member of the wrong type is the server's error: blamed on the client's token, it would be a 401
  // the token cache keeps.
  const broken = memberTypeProblem(answer);
  if (broken !== undefined)
    return refusal('introspection_unavailable', `answered "${broken.member}" that is not ${broken.expected}`);
  // A client must not get through with its refresh token because the server answers `active: true` for it.
  const kind = notAnAccessToken(answer);
  if (kind !== undefined) return refusal('token_type_invalid', kind);
  const unconfirmable = unconfirmableDpopBinding(answer, presentedWith);
  if (unconfirmable !== undefined) return { ok: false, failure: unconfirmable };
  const info = tokenInfoFromClaims(answer, 'introspection');
  if (
    checks.issuers !== undefined &&
    answer.iss !== undefined &&
    (info.issuer === undefined || !checks.issuers.has(info.issuer))
  ) {
    return refusal('issuer_mismatch', 'The access token issuer is not trusted');
  }
  if (checks.audiences !== undefined && !info.audience.some((aud) => checks.audiences!.has(aud))) {
    return refusal('audience_mismatch', 'The access token is not meant for this resource server');
  }
  // Every time member is a finite number by now: only the token's own period can refuse it.
  const validity = checkValidityPeriod(info, nowMs, checks.skewSeconds, false);
  if (validity !== undefined) return { ok: false, failure: validity };
  return success(info);
}

/**
 * The answer without its typed members that are `null`. Servers written in Java (Janssen, Gluu) write
 * `null` for a member they have no value for (`"nbf": null`, `"cnf": null`, `"username": null`): RFC 7662
 * makes every member but `active` optional, and a `null` one is read as one not given. The answer is
 * copied only when it has such a member.
 */
function withoutNullMembers(answer: Readonly<Record<string, unknown>>): Readonly<Record<string, unknown>> {
  let copy: Record<string, unknown> | undefined;
  for (const [member] of MEMBER_TYPES) {
    if (answer[member] !== null) continue;
    copy ??= { ...answer };
    delete copy[member];
  }
  const cnf = (copy ?? answer).cnf;
  if (isObject(cnf) && CNF_MEMBER_TYPES.some(([member]) => cnf[member] === null)) {
    const confirmation: Record<string, unknown> = { ...cnf };
    for (const [member] of CNF_MEMBER_TYPES) if (confirmation[member] === null) delete confirmation[member];
    copy = { ...(copy ?? answer), cnf: confirmation };
  }
  return copy ?? answer;
}

/** Why an active answer is refused for a token that is no access token; `undefined` when it is one. */
function notAnAccessToken(answer: Readonly<Record<string, unknown>>): string | undefined {
  const claim = tokenKindProblem(answer);
  return claim === undefined
    ? undefined
    : `The authorization server says the token is not an access token ("${claim}")`;
}

/**
 * RFC 9449 §6.2: the introspection answer for a DPoP-bound token (`token_type: "DPoP"`, any case) names
 * the key in `cnf.jkt`. Without it nothing can prove possession: the token is refused with either
 * scheme, never taken as a bearer token (§7.2). Called once the member types are checked.
 */
function unconfirmableDpopBinding(
  answer: Readonly<Record<string, unknown>>,
  presentedWith: () => PresentationScheme,
): Failure | undefined {
  const tokenType = ownClaim(answer, 'token_type');
  if (typeof tokenType !== 'string' || tokenType.toLowerCase() !== 'dpop') return undefined;
  // Own members, as the confirm stage must find them: an inherited `jkt` names no key of the token's.
  const cnf = ownClaim(answer, 'cnf') as Readonly<Record<string, unknown>> | undefined;
  if (cnf !== undefined && ownClaim(cnf, 'jkt') !== undefined) return undefined;
  return presentedWith() === 'Bearer'
    ? failure('dpop_bound_token_as_bearer', 'The access token is DPoP-bound: it is no bearer token')
    : failure(
        'confirmation_unsupported',
        'The access token is DPoP-bound to a key the authorization server does not name ("cnf.jkt")',
      );
}
