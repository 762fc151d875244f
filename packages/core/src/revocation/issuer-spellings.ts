/**
 * Groups of `iss` values, each the spellings of one issuer that a resolver accepts together
 * (`introspectionResolver({ issuer: ['https://as.example.com/oauth2',
 * 'https://as.example.com/oauth2/realms/root'] })`): what a resolver states as its
 * `issuerSpellings`.
 */
export type IssuerSpellingGroups = readonly (readonly string[])[];

/**
 * The spellings of each issuer that the resolver a token cache wraps (or one it wraps in turn) accepts
 * together: the resolver accepts tokens and answers stating any of them as that issuer, so a revocation
 * naming one of them must reach the cached answers stating another, or a revoked token stays accepted.
 * Only spellings given together: no normalization (a trailing slash, a default port, the host's case),
 * which no resolver applies to `iss` either. One step, not transitive: `[a, b]` and `[b, c]` make `a`
 * and `c` no spellings of each other, since no resolver accepts both as one issuer. Each cache builds
 * its own from its resolver's statement, bounded by that configuration: two resource servers in one
 * process, whatever spellings each is given, never widen each other's revocations.
 */
export class IssuerSpellings {
  readonly #otherSpellings = new Map<string, Set<string>>();

  constructor(groups: IssuerSpellingGroups) {
    for (const group of groups) {
      const given = [...new Set(group)];
      if (given.length < 2) continue;
      for (const spelling of given) {
        let known = this.#otherSpellings.get(spelling);
        if (known === undefined) {
          known = new Set();
          this.#otherSpellings.set(spelling, known);
        }
        for (const other of given) if (other !== spelling) known.add(other);
      }
    }
  }

  /** The other spellings given together with `issuer`; `undefined` when none. */
  otherSpellingsOf(issuer: string): ReadonlySet<string> | undefined {
    return this.#otherSpellings.get(issuer);
  }
}

/**
 * The issuer spellings several resolvers state, or `undefined` when none does: what a resolver
 * wrapping others (`hybridResolver`, `issuerRouter`, `tokenCache`) states as its own, so that a cache
 * around it still lets a revocation reach the answers of each.
 */
export function issuerSpellingGroups(
  ...statements: readonly (IssuerSpellingGroups | undefined)[]
): IssuerSpellingGroups | undefined {
  const groups = statements.flatMap((groups) => groups ?? []);
  return groups.length === 0 ? undefined : groups;
}
