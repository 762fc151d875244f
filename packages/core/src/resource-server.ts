import { type Clock, systemClock } from './clock.js';
import { RsConfigError, requireOption } from './config/config-error.js';
import {
  boolean,
  checkOptions,
  func,
  nonEmptyString,
  type OptionSchema,
  objectWith,
  shape,
} from './config/option-schema.js';
import { checkConfirmation } from './confirmation/confirm.js';
import type { SenderConstraint } from './confirmation/confirmation-method.js';
import {
  SENDER_CONSTRAINT_OPTIONS,
  type SenderConstraintOptions,
  senderConstraints,
} from './confirmation/sender-constraints.js';
import { createContext, type OAuth2Context, type TokenLocation } from './context.js';
import type { VerifiedDpopProof } from './dpop/dpop-proof.js';
import { isQuotableChallengeValue } from './errors/challenge.js';
import { type Failure, failure, type Outcome } from './errors/failure.js';
import { buildRejection, type ChallengeSettings, type Rejection } from './errors/rejection.js';
import {
  extractToken,
  plainBearerCredentials,
  type ResolvedTokenLocations,
} from './extract/extract-token.js';
import type { TokenLocations } from './extract/token-locations.js';
import {
  ACCESS_POLICY_OPTIONS,
  type AccessPolicy,
  checkAccessPolicy,
  validateAccessPolicy,
} from './policy/access-policy.js';
import type { RsRequest } from './request.js';
import type { AccessTokenResolver } from './resolvers/resolver.js';
import type { TokenInfo } from './token-info.js';

/**
 * Options of {@link createResourceServer}. Sender-constrained tokens (`certificateHeader`, `dpop`,
 * `requireSenderConstrained`, `jwkConfirmation`) are described on {@link SenderConstraintOptions}.
 */
export interface ResourceServerOptions extends SenderConstraintOptions {
  /** Turns tokens into token info: `jwtResolver(…)`, or any composition of resolvers. */
  readonly resolver: AccessTokenResolver;
  /** The `realm` of every challenge. Default none. */
  readonly realm?: string;
  /** An `error_uri` for challenges that carry an error. Default none. */
  readonly errorUri?: string;
  /**
   * Refuse requests whose URL is not `https:` (400 `invalid_request`). Default `true`; turn it off only
   * for local development, or when TLS ends at a proxy and adapters are not told the public URL.
   */
  readonly requireHttps?: boolean;
  /** Where tokens are looked for. Default: the `Authorization` header only. */
  readonly tokenLocations?: TokenLocations;
  /** What every request must satisfy; routes may add their own. */
  readonly policy?: AccessPolicy;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: Clock;
}

/** An accepted request: the context for the application, and headers to add to its response. */
export interface AuthSuccess {
  readonly ok: true;
  readonly context: OAuth2Context;
  /**
   * E.g. `cache-control: private` when the token came in the query (RFC 6750 §2.3), `dpop-nonce` when
   * the client should use a fresher DPoP nonce (RFC 9449 §8.2). Often empty.
   */
  readonly headers: Readonly<Record<string, string>>;
}

/** A refused request, with the response to send. */
export interface AuthFailure {
  readonly ok: false;
  readonly rejection: Rejection;
}

/** The decision for one request. */
export type AuthResult = AuthSuccess | AuthFailure;

/** One configured resource server: call {@link ResourceServer.authenticate} once per request. */
export interface ResourceServer {
  /**
   * Runs the pipeline (extract → check the DPoP proof → resolve → confirm → authorize) for one request.
   * Never throws for anything the client sent; the result says whether to proceed or what to answer.
   *
   * @param routePolicy - what this route requires on top of the server-wide policy.
   */
  authenticate(request: RsRequest, routePolicy?: AccessPolicy): Promise<AuthResult>;
  /**
   * Validates a route policy when the route is registered, so that a bad one fails at start-up. Returns
   * the policy. Adapters call it; `option` names where the policy came from.
   */
  checkPolicy<P extends AccessPolicy | undefined>(policy: P, option: string): P;
  /**
   * Whether DPoP is on. A proof names the URL it was made for (`htu`); adapters then need a configured
   * public URL to compare it with, never one built from the client's `Host` header.
   */
  readonly dpop: boolean;
  /** The challenge settings, for adapters that answer before the pipeline runs. */
  readonly challenge: ChallengeSettings;
  /**
   * Where tokens are looked for, resolved. Adapters read `formBody` to know whether a request's body
   * must be parsed before authentication.
   */
  readonly tokenLocations: ResolvedTokenLocations;
}

const TOKEN_LOCATIONS: OptionSchema<TokenLocations> = {
  authorizationHeader: boolean,
  formBody: boolean,
  query: boolean,
  header: nonEmptyString,
};

/** The options {@link createResourceServer} knows; adapters add their own settings to it. */
export const RESOURCE_SERVER_OPTIONS: OptionSchema<ResourceServerOptions> = {
  resolver: objectWith('a token resolver such as jwtResolver(…)', 'resolve'),
  realm: nonEmptyString,
  errorUri: nonEmptyString,
  requireHttps: boolean,
  tokenLocations: shape(TOKEN_LOCATIONS),
  policy: shape(ACCESS_POLICY_OPTIONS),
  clock: func,
  ...SENDER_CONSTRAINT_OPTIONS,
};

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
const QUERY_TOKEN_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'cache-control': 'private' });
const NO_REQUIREMENTS: readonly SenderConstraint[] = Object.freeze([]);
// RFC 9110 field-name = token
const HEADER_NAME = /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/;

/**
 * Builds a resource server. Every option is checked here: a misconfiguration throws an
 * {@link RsConfigError} naming the option, at start-up rather than at the first request.
 *
 * @example
 * ```ts
 * const rs = createResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 *   realm: 'api',
 *   policy: { scopes: ['read'] },
 * });
 * const result = await rs.authenticate(request);
 * if (!result.ok) return send(result.rejection.status, result.rejection.headers, result.rejection.body);
 * ```
 */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  checkOptions(options, RESOURCE_SERVER_OPTIONS, '');
  return buildResourceServer(options);
}

/** Builds a resource server from options already checked against {@link RESOURCE_SERVER_OPTIONS}. */
export function buildResourceServer(options: ResourceServerOptions): ResourceServer {
  requireOption(
    typeof options.resolver?.resolve === 'function',
    'resolver',
    'is required: a token resolver such as jwtResolver(…)',
  );
  const challengeBase = {
    realm: quotable(options.realm, 'realm'),
    errorUri: quotable(options.errorUri, 'errorUri'),
  };
  const locations = resolveLocations(options.tokenLocations);
  const requireHttps = options.requireHttps ?? true;
  const serverPolicy = validateAccessPolicy(options.policy, 'policy');
  const clock = options.clock ?? systemClock;
  requireOption(
    typeof clock === 'function',
    'clock',
    'must be a function returning milliseconds since the epoch',
  );
  const resolver = options.resolver;
  const recall = resolver.recall?.bind(resolver);
  const constraints = senderConstraints(options, clock);
  const { dpop, confirmation } = constraints;
  const challenge: ChallengeSettings = { ...challengeBase, dpopAlgorithms: dpop?.algorithms };

  const serverRequirements: readonly SenderConstraint[] =
    constraints.required === undefined ? NO_REQUIREMENTS : [constraints.required];

  return {
    challenge,
    tokenLocations: locations,
    dpop: dpop !== undefined,
    checkPolicy(policy, option) {
      validateAccessPolicy(policy, option);
      requireOption(
        policy?.requireSenderConstrained !== 'dpop' || dpop !== undefined,
        `${option}.requireSenderConstrained`,
        '"dpop" needs the resource server\'s dpop option',
      );
      return policy;
    },
    async authenticate(request: RsRequest, routePolicy?: AccessPolicy): Promise<AuthResult> {
      const required = requirements(serverRequirements, routePolicy?.requireSenderConstrained);
      // A route that takes DPoP-bound tokens only offers no Bearer challenge and refuses Bearer early.
      const bearer = !required.includes('dpop');

      if (requireHttps && !isHttps(request.url)) {
        return refused(challenge, bearer, undefined, HTTPS_REQUIRED);
      }
      const now = clock();

      // A plain Bearer token the resolver verified before, character for character, is answered from
      // its memory: what extraction and resolving would find again is skipped, the stages below run.
      const remembered =
        recall !== undefined && bearer ? plainBearerCredentials(request, locations) : undefined;
      const recalled =
        remembered === undefined
          ? undefined
          : recall!(remembered, { request, now, jwsAlphabetChecked: true });
      let token: string;
      let location: TokenLocation;
      let scheme: 'Bearer' | 'DPoP';
      let proof: VerifiedDpopProof | undefined;
      let resolved: Outcome<TokenInfo>;
      if (recalled !== undefined) {
        token = remembered!;
        location = 'authorization-header';
        scheme = 'Bearer';
        resolved = recalled;
      } else {
        const extracted = extractToken(request, locations, dpop !== undefined);
        if (!extracted.ok) return refused(challenge, bearer, undefined, extracted.failure);
        ({ token, location, scheme } = extracted.value);
        if (!bearer && scheme === 'Bearer') {
          return refused(challenge, bearer, scheme, DPOP_BOUND_REQUIRED);
        }

        // The proof is checked before the token is resolved: a bad proof costs no introspection call.
        if (scheme === 'DPoP' && dpop !== undefined) {
          const checked = await dpop.verify(request, token, now);
          if (!checked.ok) {
            const nonce =
              checked.failure.code === 'dpop_nonce_required'
                ? await dpop.nonceFor(undefined, now)
                : undefined;
            return refused(challenge, bearer, scheme, checked.failure, nonce);
          }
          proof = checked.value;
        }
        resolved = await resolver.resolve(token, {
          request,
          now,
          jwsAlphabetChecked: extracted.value.jwsAlphabet,
        });
      }
      if (!resolved.ok) return refused(challenge, bearer, scheme, resolved.failure);
      const info = resolved.value;

      // Most requests carry a plain bearer token on a route without demands: skip the stage's await.
      const bound = info.claims.cnf !== undefined || info.confirmation !== undefined;
      if (bound || scheme === 'DPoP' || required.length > 0) {
        const unconfirmed = await checkConfirmation(info, { request, scheme, proof }, confirmation, required);
        if (unconfirmed !== undefined) return refused(challenge, bearer, scheme, unconfirmed);
      }
      // Recorded only once everything else accepted the proof, so a refused request does not use it up.
      if (proof !== undefined && dpop !== undefined) {
        const replayed = await dpop.remember(proof, now);
        if (replayed !== undefined) return refused(challenge, bearer, scheme, replayed);
      }

      const denied =
        (serverPolicy && checkAccessPolicy(serverPolicy, info, request)) ||
        (routePolicy && checkAccessPolicy(routePolicy, info, request));
      if (denied) return refused(challenge, bearer, scheme, denied);

      const nonce = proof === undefined ? undefined : await dpop?.nonceFor(proof, now);
      return {
        ok: true,
        context: createContext(info, token, location, scheme),
        headers: successHeaders(location === 'query', nonce),
      };
    },
  };
}

const HTTPS_REQUIRED: Failure = Object.freeze(failure('https_required', 'This resource requires HTTPS'));
const DPOP_BOUND_REQUIRED: Failure = Object.freeze(
  failure('sender_constraint_required', 'This resource requires a DPoP-bound access token'),
);

/** A refused request, with the challenge for the scheme the client used (none yet: `undefined`). */
function refused(
  challenge: ChallengeSettings,
  bearer: boolean,
  scheme: 'Bearer' | 'DPoP' | undefined,
  refusal: Failure,
  dpopNonce?: string,
): AuthFailure {
  return { ok: false, rejection: buildRejection(refusal, challenge, { scheme, bearer, dpopNonce }) };
}

/** The server's demands (built once) and the route's, both applying. */
function requirements(
  server: readonly SenderConstraint[],
  route: SenderConstraint | undefined,
): readonly SenderConstraint[] {
  if (route === undefined || server.includes(route)) return server;
  return [...server, route];
}

function successHeaders(query: boolean, dpopNonce: string | undefined): Readonly<Record<string, string>> {
  if (dpopNonce === undefined) return query ? QUERY_TOKEN_HEADERS : NO_HEADERS;
  return query ? { 'cache-control': 'private', 'dpop-nonce': dpopNonce } : { 'dpop-nonce': dpopNonce };
}

// URL schemes are case-insensitive (RFC 3986 §3.1).
function isHttps(url: string): boolean {
  return url.length > 6 && url.charCodeAt(5) === 58 /* : */ && url.slice(0, 5).toLowerCase() === 'https';
}

function quotable(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined;
  requireOption(
    typeof value === 'string' && isQuotableChallengeValue(value),
    option,
    'must be printable ASCII without " or \\ (RFC 6750 §3)',
  );
  return value;
}

function resolveLocations(locations: TokenLocations | undefined): ResolvedTokenLocations {
  const resolved: ResolvedTokenLocations = {
    authorizationHeader: locations?.authorizationHeader ?? true,
    formBody: locations?.formBody ?? false,
    query: locations?.query ?? false,
    header: typeof locations?.header === 'string' ? locations.header.toLowerCase() : locations?.header,
  };
  if (resolved.header !== undefined) {
    requireOption(typeof resolved.header === 'string', 'tokenLocations.header', 'must be a header name');
    requireOption(HEADER_NAME.test(resolved.header), 'tokenLocations.header', 'must be a valid header name');
    requireOption(
      resolved.header !== 'authorization',
      'tokenLocations.header',
      'use tokenLocations.authorizationHeader for the Authorization header',
    );
  }
  if (
    !resolved.authorizationHeader &&
    !resolved.formBody &&
    !resolved.query &&
    resolved.header === undefined
  ) {
    throw new RsConfigError('tokenLocations', 'at least one token location must be enabled');
  }
  return resolved;
}
