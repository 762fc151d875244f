import { RsConfigError, requireOption } from '../config/config-error.js';
import { checkOptions, type OptionSchema, objectWith, recordOf } from '../config/option-schema.js';
import { refusePatternValue } from '../config/pattern-value.js';
import { shownKey } from '../config/shown-key.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { refusal } from '../errors/failure.js';
import { checkComparedIssuer } from '../http/endpoint-url.js';
import { collectHealth } from '../observability/dependency-health.js';
import { distinctRevocationLists } from '../revocation/distinct-revocation-lists.js';
import { issuerSpellingGroups } from '../revocation/issuer-spellings.js';
import { acceptedIssuersOf } from './accepted-issuers.js';
import type { AccessTokenResolver } from './resolver.js';
import { maxTokenLengthOf } from './token-length-limits.js';
import { MAX_PEEK_CHARS, peekIssuer, tokenShape } from './token-shape.js';

/** Options of {@link issuerRouter}. */
export interface IssuerRouterOptions {
  /**
   * One resolver per trusted issuer, keyed by the exact `iss` value. Refused at start-up: a key no token
   * could state (as `jwtResolver.issuer` refuses it: white space, an upper-case scheme or host, a query),
   * and a key that its resolver, a `jwtResolver` (cached or not), does not accept as issuer.
   */
  readonly issuers: Readonly<Record<string, AccessTokenResolver>>;
  /**
   * Resolves tokens whose issuer cannot be read from the token itself (opaque or encrypted). Default:
   * such tokens are refused.
   */
  readonly unidentified?: AccessTokenResolver | undefined;
}

const tokenResolver = objectWith('a token resolver', 'resolve');
const ISSUER_ROUTER_OPTIONS: OptionSchema<IssuerRouterOptions> = {
  issuers: recordOf(tokenResolver),
  unidentified: tokenResolver,
};

/**
 * Routes each JWT to the resolver of the issuer it names, for APIs that trust several authorization
 * servers. The issuer is only read to choose the resolver, which then verifies everything, `iss`
 * included. A token naming an issuer that is not configured is refused before any network call, and a
 * JWT longer than every route's `maxTokenLength` (16 384 characters for a resolver of your own) with
 * `token_too_large`, before its payload is decoded.
 *
 * @example
 * ```ts
 * const resolver = issuerRouter({
 *   issuers: {
 *     'https://as-a.example.com': jwtResolver({ issuer: 'https://as-a.example.com', keys: remoteJwks({ url: jwksA }) }),
 *     'https://as-b.example.com': jwtResolver({ issuer: 'https://as-b.example.com', keys: remoteJwks({ url: jwksB }) }),
 *   },
 * });
 * ```
 */
export function issuerRouter(options: IssuerRouterOptions): AccessTokenResolver {
  checkOptions(options, ISSUER_ROUTER_OPTIONS, 'issuerRouter');
  requireOption(
    typeof options?.issuers === 'object' && options.issuers !== null,
    'issuerRouter.issuers',
    'is required',
  );
  const routes = new Map<string, AccessTokenResolver>();
  for (const [issuer, resolver] of Object.entries(options.issuers)) {
    // Never the key's credentials or query: the option path is in every message about it.
    const option = `issuerRouter.issuers[${shownKey(issuer)}]`;
    requireOption(typeof resolver?.resolve === 'function', option, 'must be a token resolver');
    // Compared exactly with `iss`, as `jwtResolver.issuer` is: held to the same spelling rules.
    checkComparedIssuer(issuer, option);
    // A catch-all written as a pattern would route no token: each JWT goes to its `iss` exactly.
    refusePatternValue(
      issuer,
      option,
      'key each route by an issuer exactly as its tokens state it in iss (a JWT naming no listed issuer is ' +
        'refused; opaque and JWE tokens go to unidentified)',
    );
    refuseUnacceptedIssuer(issuer, resolver, option);
    routes.set(issuer, resolver);
  }
  requireOption(routes.size > 0, 'issuerRouter.issuers', 'must name at least one issuer');
  const unidentified = options.unidentified;
  requireOption(
    unidentified === undefined || typeof unidentified.resolve === 'function',
    'issuerRouter.unidentified',
    'must be a token resolver',
  );
  // The issuer of every JWT one of the routes may accept is read, and of no longer one: a route's
  // `maxTokenLength` raised for large tokens (a Keycloak user in many groups) raises it here too. A
  // resolver that does not say how long a token it takes is counted as taking the default.
  const longestToken = Math.max(
    ...[...routes.values()].map((route) => maxTokenLengthOf(route) ?? MAX_PEEK_CHARS),
  );

  return {
    cacheNamespace: cacheNamespaceOf('issuerRouter', { issuers: Object.fromEntries(routes), unidentified }),
    revocationLists: distinctRevocationLists(
      ...[...routes.values(), unidentified].map((route) => route?.revocationLists),
    ),
    issuerSpellings: issuerSpellingGroups(
      ...[...routes.values(), unidentified].map((route) => route?.issuerSpellings),
    ),
    async resolve(token, context) {
      if (tokenShape(token) !== 'jws') {
        if (unidentified !== undefined) return unidentified.resolve(token, context);
        return refusal('token_unsupported', 'The access token does not name its issuer');
      }
      if (token.length > longestToken) return refusal('token_too_large', 'The access token is too large');
      const issuer = peekIssuer(token, longestToken);
      const resolver = issuer === undefined ? undefined : routes.get(issuer);
      if (resolver === undefined) return refusal('issuer_mismatch', 'The access token issuer is not trusted');
      return resolver.resolve(token, context);
    },
    health: (now) => collectHealth(now, [...routes.values(), unidentified]),
  };
}

/**
 * Refuses a route whose resolver, one of @rs that says which issuers it accepts, would refuse every
 * token routed to it with `issuer_mismatch`: a key spelt otherwise than its `jwtResolver`'s `issuer`
 * (a trailing slash, another path) builds, and then refuses every token of that issuer.
 */
function refuseUnacceptedIssuer(issuer: string, resolver: AccessTokenResolver, option: string): void {
  const accepted = acceptedIssuersOf(resolver);
  if (accepted === undefined || accepted.has(issuer)) return;
  const named = [...accepted].map((spelling) => JSON.stringify(spelling)).join(', ');
  const issuers = accepted.size === 1 ? 'issuer' : 'issuers';
  throw new RsConfigError(
    option,
    `its resolver accepts only the ${issuers} ${named}, and would refuse every token routed here ` +
      '(issuer_mismatch): key each route by the issuer exactly as its resolver is given it',
  );
}
