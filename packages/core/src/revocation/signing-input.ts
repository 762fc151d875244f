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
