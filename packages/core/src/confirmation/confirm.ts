import { ownClaim } from '../claims/own-claim.js';
import { type Failure, failure } from '../errors/failure.js';
import type { Confirmation, TokenInfo } from '../token-info.js';
import { CNF_NOT_AN_OBJECT, UNCHECKABLE_BINDING } from './bound-token-refusal.js';
import type {
  ConfirmationMethod,
  ConfirmationSettings,
  Presentation,
  SenderConstraint,
} from './confirmation-method.js';
import { CONFIRMATION_METHODS } from './confirmation-methods.js';

// Registered confirmation methods (RFC 7800 §3, RFC 9203) @rs cannot check, and the SHA-1 `x5t` that
// some servers misuse: a token bound with one of them is refused, never treated as a bearer token.
// Members outside the registry (AM puts `auth_level` in `cnf`) are not methods and are ignored.
const UNCHECKABLE_METHODS = ['jwe', 'jku', 'kid', 'osc', 'x5t'] as const;

/** A method the token is bound with, and the value its `cnf` member holds. */
interface Binding {
  readonly method: ConfirmationMethod;
  readonly value: unknown;
}

/**
 * The confirm stage (RFC 7800): a token with `cnf` grants access only to a request that proves
 * possession of what `cnf` names, every method present; a token without `cnf` passes unless
 * `required` demands a sender-constrained one. Runs on every request, also when the token info came
 * from a cache.
 */
export async function checkConfirmation(
  token: TokenInfo,
  presented: Presentation,
  settings: ConfirmationSettings,
  required: readonly SenderConstraint[],
): Promise<Failure | undefined> {
  // A `cnf` that is not a JSON object binds the token to something unknown: never a bearer token.
  if (token.claims.cnf !== undefined && token.confirmation === undefined) return CNF_NOT_AN_OBJECT;
  const cnf = token.confirmation;
  const bindings = cnf === undefined ? [] : bindingsOf(cnf);
  if (
    cnf !== undefined &&
    (UNCHECKABLE_METHODS.some((method) => Object.hasOwn(cnf, method)) || bindings.length === 0)
  ) {
    return UNCHECKABLE_BINDING;
  }
  for (const { method } of bindings) {
    const problem = method.checkPresentation?.(presented, settings);
    if (problem !== undefined) return problem;
  }
  const dpop = presented.scheme === 'DPoP';
  if (dpop && !bindings.some(({ method }) => method.provesWithDpop)) {
    return failure('dpop_key_mismatch', 'The access token is not bound to a DPoP key');
  }
  for (const { method, value } of bindings) {
    const problem = await method.verify(value, { token, presented, settings });
    if (problem !== undefined) return problem;
  }
  // A request that passed with a DPoP proof proved the key the token is bound to: it is DPoP-bound.
  const met = new Set<SenderConstraint>(dpop ? ['dpop', 'any'] : []);
  for (const { method } of bindings) for (const constraint of method.satisfies) met.add(constraint);
  return unmetRequirement(required, met);
}

/** The table's methods present in `cnf`, in table order. */
function bindingsOf(cnf: Confirmation): Binding[] {
  const bindings: Binding[] = [];
  for (const method of CONFIRMATION_METHODS) {
    // Own members only: a `jkt` inherited from a polluted Object.prototype would bind a token whose `cnf`
    // names no method it can check (refused otherwise) to a key of the polluter's choosing.
    let value = ownClaim(cnf, method.member);
    for (const alias of method.aliases ?? []) value ??= ownClaim(cnf, alias);
    if (value !== undefined) bindings.push({ method, value });
  }
  return bindings;
}

const UNMET_MESSAGES: Readonly<Record<SenderConstraint, string>> = {
  mtls: 'This resource requires a certificate-bound access token',
  dpop: 'This resource requires a DPoP-bound access token',
  any: 'This resource requires a sender-constrained access token',
};

function unmetRequirement(
  required: readonly SenderConstraint[],
  met: ReadonlySet<SenderConstraint>,
): Failure | undefined {
  const unmet = required.find((constraint) => !met.has(constraint));
  return unmet === undefined ? undefined : failure('sender_constraint_required', UNMET_MESSAGES[unmet]);
}
