/**
 * The spellings of one issuer that a resolver is given together (`introspectionResolver({ issuer:
 * ['https://as.example.com/oauth2', 'https://as.example.com/oauth2/realms/root'] })`): the resolver
 * accepts tokens and answers stating any of them as that issuer, so a revocation naming one of them must
 * reach those stating another, or a revoked token stays accepted. Only spellings given together: no
 * normalization (a trailing slash, a default port, the host's case), which no resolver applies to `iss`
 * either. Process-wide, as resolvers and revocation lists are built apart; filled from configuration at
 * start-up, so bounded by it. One step, not transitive: `[a, b]` and `[b, c]` make `a` and `c` no
 * spellings of each other, since no resolver accepts both as one issuer.
 */
const otherSpellings = new Map<string, Set<string>>();

/** Records that a resolver accepts each of `spellings` as one issuer. */
export function recordIssuerSpellings(spellings: Iterable<string>): void {
  const given = [...new Set(spellings)];
  if (given.length < 2) return;
  for (const spelling of given) {
    let known = otherSpellings.get(spelling);
    if (known === undefined) {
      known = new Set();
      otherSpellings.set(spelling, known);
    }
    for (const other of given) if (other !== spelling) known.add(other);
  }
}

/** The other spellings a resolver was given together with `issuer`; `undefined` when none. */
export function otherSpellingsOf(issuer: string): ReadonlySet<string> | undefined {
  return otherSpellings.get(issuer);
}
