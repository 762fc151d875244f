import { type Outcome, refusal, success } from '../errors/failure.js';
import { type RsHeaders, singleHeader } from '../request.js';

// One description whether the fields arrived apart or joined, so every adapter answers alike.
const TWO_PROOFS = 'The request has more than one DPoP header';

/**
 * The one DPoP proof of a request (RFC 9449 §4.3 checks 1 and 2). A second `DPoP` field, whether sent
 * as its own line (an array here) or joined with a comma by Fetch or API Gateway, is refused as a proof
 * that fails a check of §4.3 is (401 `invalid_dpop_proof`, §7.1): a proof never contains a comma, so a
 * comma means two. The spaces and tabs around the value are no part of it ({@link singleHeader} strips
 * them); any other character there is, and the proof then fails to parse.
 */
export function dpopProofHeader(headers: RsHeaders): Outcome<string> {
  const proof = singleHeader(headers, 'dpop');
  if (proof === null) return refusal('dpop_proof_multiple', TWO_PROOFS);
  if (proof === undefined || proof === '')
    return refusal('dpop_proof_missing', 'The request has no DPoP proof');
  if (proof.includes(',')) return refusal('dpop_proof_multiple', TWO_PROOFS);
  return success(proof);
}
