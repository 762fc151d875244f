import { type Failure, failure } from '../errors/failure.js';
import type { RsRequest } from '../request.js';
import type { TokenInfo } from '../token-info.js';

/**
 * The confirm stage: a token bound to a key (`cnf`, RFC 7800) grants access only to a request that
 * proves possession of that key. It runs on every request, also when the token info came from a cache.
 *
 * No confirmation method is supported yet, so a bound token is refused rather than accepted as a plain
 * bearer token: a stolen bound token must not work anywhere.
 */
export function checkConfirmation(token: TokenInfo, _request: RsRequest): Failure | undefined {
  if (token.confirmation === undefined) return undefined;
  return failure(
    'confirmation_unsupported',
    'The access token is bound to a key this resource server cannot check',
  );
}
