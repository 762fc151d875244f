// The signed JWT an encrypted token held, by the claims read from it: a revocation by token names the
// JWS, and the resolver that checks revocations sees the claims only. Weak: gone with the claims.
const nestedJws = new WeakMap<object, string>();

/** Records that `claims` were read from the JWS `jws`, found inside an encrypted token. */
export function rememberNestedJws(claims: object, jws: string): void {
  nestedJws.set(claims, jws);
}

/** The JWS inside an encrypted token that `claims` were read from, if they were. */
export function nestedJwsOf(claims: object): string | undefined {
  return nestedJws.get(claims);
}
