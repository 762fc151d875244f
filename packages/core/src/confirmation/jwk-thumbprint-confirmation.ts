import { timingSafeEqualStrings } from '../crypto/constant-time.js';
import { failure } from '../errors/failure.js';
import { type ConfirmationMethod, dpopKeyMismatch } from './confirmation-method.js';

/**
 * `jkt` (RFC 9449 §6): the token is DPoP-bound to the key with this JWK SHA-256 thumbprint; the request
 * must carry a DPoP proof signed with that key.
 */
export const jwkThumbprintConfirmation: ConfirmationMethod = {
  member: 'jkt',
  provesWithDpop: true,
  satisfies: ['dpop', 'any'],
  checkPresentation(presented) {
    // RFC 9449 §7.2: a DPoP-bound token sent as a bearer token would let a thief skip the proof.
    return presented.scheme === 'Bearer'
      ? failure('dpop_bound_token_as_bearer', 'The access token is DPoP-bound: send it with the DPoP scheme')
      : undefined;
  },
  verify(jkt, { presented }) {
    if (typeof jkt !== 'string')
      return failure('claim_invalid', 'The access token "cnf.jkt" is not a string');
    return presented.proof !== undefined && timingSafeEqualStrings(jkt, presented.proof.jkt)
      ? undefined
      : dpopKeyMismatch();
  },
};
