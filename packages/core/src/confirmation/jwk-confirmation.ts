import { timingSafeEqualStrings } from '../crypto/constant-time.js';
import { jwkThumbprint } from '../crypto/jwk-thumbprint.js';
import { isObject } from '../encoding/json-object.js';
import { failure } from '../errors/failure.js';
import { type ConfirmationMethod, dpopKeyMismatch } from './confirmation-method.js';

/**
 * `jwk` (RFC 7800 §3.2): the token is bound to this public key. A DPoP proof signed with it proves
 * possession; without a proof, the application's `jwkConfirmation` verifier must confirm the request.
 */
export const jwkConfirmation: ConfirmationMethod = {
  member: 'jwk',
  provesWithDpop: true,
  satisfies: ['any'],
  async verify(jwk, { token, presented, settings }) {
    if (!isObject(jwk)) return failure('claim_invalid', 'The access token "cnf.jwk" is not a JSON object');
    if (presented.proof !== undefined) {
      const thumbprint = await jwkThumbprint(jwk);
      if (thumbprint === undefined) {
        return failure('claim_invalid', 'The access token "cnf.jwk" is not a valid key');
      }
      return timingSafeEqualStrings(thumbprint, presented.proof.jkt) ? undefined : dpopKeyMismatch();
    }
    let confirmed = false;
    if (settings.jwkVerifier !== undefined) {
      try {
        confirmed = (await settings.jwkVerifier(jwk, presented.request, token)) === true;
      } catch {
        // Application code failing on what a client sent must not let the request through.
        confirmed = false;
      }
    }
    return confirmed
      ? undefined
      : failure(
          'jwk_confirmation_failed',
          'The request does not prove possession of the key the access token is bound to',
        );
  },
};
