/**
 * Options by the names other JWT and OAuth libraries give them (jose, jsonwebtoken, express-jwt,
 * jwks-rsa, aws-jwt-verify, Spring, ForgeRock Identity Gateway), with how @rs takes them: a newcomer's first try is pointed at the
 * option, not merely refused. Used only where the factory knows the option named.
 */
const NAMES_ELSEWHERE: Readonly<
  Record<string, { readonly option: string; readonly usage?: string | undefined }>
> = {
  clockTolerance: { option: 'skewAllowance', usage: 'in seconds' },
  clockSkew: { option: 'skewAllowance', usage: 'in seconds' },
  leeway: { option: 'skewAllowance', usage: 'in seconds' },
  algs: { option: 'algorithms' },
  jwks: { option: 'keys', usage: 'keys: staticJwks({ keys: […] })' },
  jwksUri: { option: 'keys', usage: 'keys: remoteJwks({ url })' },
  jwksUrl: { option: 'keys', usage: 'keys: remoteJwks({ url })' },
  jwks_uri: { option: 'keys', usage: 'keys: remoteJwks({ url })' },
  secret: { option: 'keys', usage: 'keys: sharedSecret(secret)' },
  secretOrPublicKey: { option: 'keys', usage: 'keys: sharedSecret(secret) or staticJwks({ keys: […] })' },
  cacheTtl: { option: 'cacheMaxAge', usage: 'in milliseconds' },
  introspectionEndpoint: { option: 'endpoint' },
  introspectionUrl: { option: 'endpoint' },
  clientId: {
    option: 'clientAuthentication',
    usage: "clientAuthentication: { method: 'client_secret_basic', clientId, clientSecret }",
  },
  clientSecret: {
    option: 'clientAuthentication',
    usage: "clientAuthentication: { method: 'client_secret_basic', clientId, clientSecret }",
  },
  scopes: { option: 'policy', usage: 'policy: { scopes: […] }' },
  requiredScopes: { option: 'policy', usage: 'policy: { scopes: […] }' },
  // Identity Gateway's OAuth2ResourceServerFilter.
  accessTokenResolver: { option: 'resolver' },
  cache: { option: 'resolver', usage: 'resolver: tokenCache(introspectionResolver({ … }))' },
};

/**
 * Names @rs itself gives one role in different factories, too far apart in spelling for
 * {@link nearestName} to match: the name one factory takes, given to another, is pointed at the name
 * that one takes (`remoteJwks({ onError })` at `onFetchError`).
 */
const NAMES_OF_ONE_ROLE: readonly (readonly string[])[] = [
  // The hook told of failures outside any request.
  ['onError', 'onFetchError', 'onStoreError'],
  // How long a fetched or verified answer is kept, in milliseconds.
  ['ttl', 'cacheMaxAge'],
  // How long one call to a dependency may take, in milliseconds.
  ['timeout', 'commandTimeout'],
];

/** Why `key` is refused: an unknown option, with the known one meant when there is a likely one. */
export function unknownOption(key: string, known: readonly string[]): string {
  const elsewhere = Object.hasOwn(NAMES_ELSEWHERE, key) ? NAMES_ELSEWHERE[key] : undefined;
  if (elsewhere !== undefined && known.includes(elsewhere.option)) {
    const usage = elsewhere.usage === undefined ? '' : ` (${elsewhere.usage})`;
    return `unknown option; did you mean "${elsewhere.option}"${usage}?`;
  }
  const meant = sameRoleName(key, known) ?? nearestName(key, known);
  return meant === undefined ? 'unknown option' : `unknown option; did you mean "${meant}"?`;
}

/** The known name another factory of @rs gives the role `key` names there ({@link NAMES_OF_ONE_ROLE}). */
function sameRoleName(key: string, known: readonly string[]): string | undefined {
  const names = NAMES_OF_ONE_ROLE.find((group) => group.includes(key));
  return names?.find((name) => name !== key && known.includes(name));
}

/**
 * The known name closest to `name` (case-insensitive), when close enough to be a slip: a few edits apart
 * (about one in three characters), or one name the start of the other (`skew` for `skewAllowance`).
 */
export function nearestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of known) {
    const other = candidate.toLowerCase();
    const limit = Math.max(2, Math.floor(Math.max(lower.length, other.length) / 3));
    const shorter = Math.min(lower.length, other.length);
    const distance =
      lower !== other && shorter >= 3 && (other.startsWith(lower) || lower.startsWith(other))
        ? 1
        : editDistance(lower, other, limit + 1);
    if (distance <= limit && distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

// Levenshtein distance, giving up (returning `ceiling`) once every path exceeds it.
function editDistance(a: string, b: string, ceiling: number): number {
  if (Math.abs(a.length - b.length) >= ceiling) return ceiling;
  let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    let rowMinimum = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      current.push(value);
      if (value < rowMinimum) rowMinimum = value;
    }
    if (rowMinimum >= ceiling) return ceiling;
    previous = current;
  }
  return previous[b.length]!;
}
