import { type Failure, failure } from '../errors/failure.js';
import type { TokenInfo } from '../token-info.js';

/** A `cnf` claim that is not a JSON object: it binds the token to something unknown. */
export const CNF_NOT_AN_OBJECT: Failure = Object.freeze(
  failure('claim_invalid', 'The access token "cnf" is not a JSON object'),
);

/** A binding this resource server has no way to check. */
export const UNCHECKABLE_BINDING: Failure = Object.freeze(
  failure('confirmation_unsupported', 'The access token is bound to a key this resource server cannot check'),
);

/** A demand for a sender-constrained token where none can be checked. */
const SENDER_CONSTRAINT_UNCHECKABLE: Failure = Object.freeze(
  failure('sender_constraint_required', 'This resource requires a sender-constrained access token'),
);

/**
 * The refusal of a bound token (`cnf` in its claims, or a confirmation in its token info) by a resource
 * server that checks no binding (`@rs/core/lite`): the answer the full confirm stage gives to a token
 * bound to something it cannot check. A bound token is never treated as a bearer token.
 */
export function refuseUncheckedBinding(token: TokenInfo): Failure {
  if (token.claims.cnf !== undefined && token.confirmation === undefined) return CNF_NOT_AN_OBJECT;
  if (token.confirmation !== undefined) return UNCHECKABLE_BINDING;
  // An unbound token reaches here only under a route policy demanding a sender constraint that was
  // passed to `authenticate` without `checkPolicy` (which refuses it in the lite entry).
  return SENDER_CONSTRAINT_UNCHECKABLE;
}
