import { tokenHash } from '../crypto/token-hash.js';
import { nestedJwsOf } from '../jose/nested-jws.js';

/**
 * The signing input (`header.payload`) of a token in compact JWS form, or `undefined` for any other
 * shape. A revocation by token names it too: the claims a signature vouches for are the same under every
 * valid signature of them, and ECDSA signatures come in pairs, (r, s) and (r, n − s), both valid, so a
 * revoked ES256 token could come back with its twin signature. The same JWS sent inside a JWE (anyone can
 * encrypt to the server's public key) is found by it as well.
 *
 * @example
 * ```ts
 * signingInputOf('eyJh.eyJz.c2ln'); // 'eyJh.eyJz'
 * signingInputOf('opaque-token');   // undefined
 * ```
 */
export function signingInputOf(token: string): string | undefined {
  const first = token.indexOf('.');
  if (first === -1) return undefined;
  const last = token.lastIndexOf('.');
  if (last === first || token.indexOf('.', first + 1) !== last) return undefined;
  return token.slice(0, last);
}

/** The hashes a revocation by token is found by: the token's, and its signing input's when it has one. */
export interface TokenRevocationHashes {
  readonly tokenHash: string;
  readonly signingInputHash: string | undefined;
}

/**
 * The hashes under which a revocation by token names this token, whose verified `claims` are given: its
 * own SHA-256, and that of the signing input of the JWS it is, or of the JWS an encrypted token held
 * (`nestedJwsOf`). Resolvers and caches that check such revocations ask this one function.
 */
export async function tokenRevocationHashes(token: string, claims: object): Promise<TokenRevocationHashes> {
  const signingInput = signingInputOf(nestedJwsOf(claims) ?? token);
  const [hash, signingInputHash] = await Promise.all([
    tokenHash(token),
    signingInput === undefined ? undefined : tokenHash(signingInput),
  ]);
  return { tokenHash: hash, signingInputHash };
}
