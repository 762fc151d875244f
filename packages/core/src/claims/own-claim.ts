/**
 * The claim (or introspection member) `name` of `claims` when the token itself carries it, else
 * `undefined`. Never one inherited from `Object.prototype`: after a prototype pollution elsewhere in the
 * process (`Object.prototype.scope = 'admin'` through a vulnerable merge of request data), a plain
 * `claims.scope` would grant that scope to every token without one, and `claims.acr` would meet every
 * step-up demand. Claims are parsed JSON, so what the token carries is always an own member.
 */
export function ownClaim(claims: Readonly<Record<string, unknown>>, name: string): unknown {
  return Object.hasOwn(claims, name) ? claims[name] : undefined;
}

/**
 * The members `names` of `claims`, each as {@link ownClaim} reads it: for a document whose members are
 * read together (a Security Event Token, a signed introspection answer), none inherited.
 *
 * @example
 * ```ts
 * const { iss, aud } = ownClaims(claims, ['iss', 'aud']);
 * ```
 */
export function ownClaims<Name extends string>(
  claims: Readonly<Record<string, unknown>>,
  names: readonly Name[],
): Record<Name, unknown> {
  const members = {} as Record<Name, unknown>;
  for (const name of names) members[name] = ownClaim(claims, name);
  return members;
}
