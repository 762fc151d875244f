import { timingSafeEqualStrings } from '../crypto/constant-time.js';
import { type Failure, failure } from '../errors/failure.js';
import { type ConfirmationMethod, dpopKeyMismatch } from './confirmation-method.js';

// RFC 9449 §7.2: a DPoP-bound token sent as a bearer token would let a thief skip the proof.
const SENT_AS_BEARER: Failure = Object.freeze(
  failure('dpop_bound_token_as_bearer', 'The access token is DPoP-bound: send it with the DPoP scheme'),
);
// The same refusal by a server that takes no DPoP scheme: advising it would send the client to a
// request refused as carrying no token at all.
const DPOP_NOT_ACCEPTED: Failure = Object.freeze(
  failure(
    'dpop_bound_token_as_bearer',
    'The access token is bound to a DPoP key, and this resource server does not accept DPoP',
  ),
);

/**
 * `jkt` (RFC 9449 §6): the token is DPoP-bound to the key with this JWK SHA-256 thumbprint; the request
 * must carry a DPoP proof signed with that key.
 */
export const jwkThumbprintConfirmation: ConfirmationMethod = {
  member: 'jkt',
  provesWithDpop: true,
  satisfies: ['dpop', 'any'],
  checkPresentation(presented, settings) {
    if (presented.scheme !== 'Bearer') return undefined;
    return settings.dpop ? SENT_AS_BEARER : DPOP_NOT_ACCEPTED;
  },
  verify(jkt, { presented }) {
    if (typeof jkt !== 'string')
      return failure('claim_invalid', 'The access token "cnf.jkt" is not a string');
    return presented.proof !== undefined && timingSafeEqualStrings(jkt, presented.proof.jkt)
      ? undefined
      : dpopKeyMismatch();
  },
};
