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
import { createContext, type OAuth2Context } from './context.js';
import type { VerifiedDpopProof } from './dpop/dpop-proof.js';
import { isQuotableChallengeValue } from './errors/challenge.js';
import { type Failure, failure } from './errors/failure.js';
import { type FailureResponses, failureResponder } from './errors/failure-responses.js';
import { buildRejection, type ChallengeSettings, type Rejection } from './errors/rejection.js';
import { extractToken, type ResolvedTokenLocations } from './extract/extract-token.js';
import type { TokenLocations } from './extract/token-locations.js';
import {
  type ProtectedResource,
  type ProtectedResourceOptions,
  protectedResource,
} from './metadata/protected-resource-metadata.js';
import {
  ACCESS_POLICY_OPTIONS,
  type AccessPolicy,
  checkAccessPolicy,
  validateAccessPolicy,
} from './policy/access-policy.js';
import { namedScopes } from './policy/scopes.js';
import type { RsRequest } from './request.js';
import type { AccessTokenResolver } from './resolvers/resolver.js';

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
  /**
   * Status, headers and body per failure class or code, in place of core's answer (ForgeRock Identity
   * Gateway's `failureHandler`, NGINX's `errorReturnConditions`). The challenge stays; see
   * {@link FailureResponses}. Default: core's RFC 6750 answers.
   */
  readonly failureResponses?: FailureResponses;
  /**
   * Publish RFC 9728 Protected Resource Metadata built from this configuration, and name its URL in
   * every challenge (`resource_metadata`). Adapters serve it at {@link ProtectedResource.metadataPath}.
   */
  readonly protectedResource?: ProtectedResourceOptions;
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
  /** The RFC 9728 metadata this server publishes, when `protectedResource` is configured. */
  readonly protectedResource: ProtectedResource | undefined;
}

const TOKEN_LOCATIONS: OptionSchema<TokenLocations> = {
  authorizationHeader: boolean,
  formBody: boolean,
  query: boolean,
  queryParameter: nonEmptyString,
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
  // Checked in depth by failureResponder and protectedResource, which name the member at fault.
  failureResponses: objectWith('an object of failure answers'),
  protectedResource: objectWith('an object with at least `resource`'),
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
  const constraints = senderConstraints(options, clock);
  const { dpop, confirmation } = constraints;
  const respond = failureResponder(options.failureResponses);
  // The scopes the policies name, for the metadata's scopes_supported; route policies add theirs.
  const policyScopes = new Set(namedScopes(serverPolicy?.scopes));
  const published = protectedResource(options.protectedResource, {
    tokenLocations: locations,
    dpopAlgorithms: dpop?.algorithms,
    dpopRequired: constraints.required === 'dpop',
    certificateBound:
      options.certificateHeader !== undefined ||
      constraints.required === 'mtls' ||
      constraints.required === 'any',
    scopes: policyScopes,
  });
  const challenge: ChallengeSettings = {
    ...challengeBase,
    dpopAlgorithms: dpop?.algorithms,
    resourceMetadata: published?.challenge ? published.metadataUrl : undefined,
  };

  const serverRequirements: readonly SenderConstraint[] =
    constraints.required === undefined ? NO_REQUIREMENTS : [constraints.required];

  return {
    challenge,
    tokenLocations: locations,
    dpop: dpop !== undefined,
    protectedResource: published,
    checkPolicy(policy, option) {
      validateAccessPolicy(policy, option);
      requireOption(
        policy?.requireSenderConstrained !== 'dpop' || dpop !== undefined,
        `${option}.requireSenderConstrained`,
        '"dpop" needs the resource server\'s dpop option',
      );
      for (const scope of namedScopes(policy?.scopes)) policyScopes.add(scope);
      return policy;
    },
    async authenticate(request: RsRequest, routePolicy?: AccessPolicy): Promise<AuthResult> {
      const required = requirements(serverRequirements, routePolicy?.requireSenderConstrained);
      // A route that takes DPoP-bound tokens only offers no Bearer challenge and refuses Bearer early.
      const bearer = !required.includes('dpop');
      let scheme: 'Bearer' | 'DPoP' | undefined;
      const reject = (refused: Failure, dpopNonce?: string): AuthFailure => ({
        ok: false,
        rejection: respond(buildRejection(refused, challenge, { scheme, bearer, dpopNonce })),
      });

      if (requireHttps && !isHttps(request.url)) {
        return reject({ code: 'https_required', description: 'This resource requires HTTPS' });
      }
      const extracted = extractToken(request, locations, dpop !== undefined);
      if (!extracted.ok) return reject(extracted.failure);
      const { token, location } = extracted.value;
      scheme = extracted.value.scheme;
      if (!bearer && scheme === 'Bearer') {
        return reject(
          failure('sender_constraint_required', 'This resource requires a DPoP-bound access token'),
        );
      }
      const now = clock();

      // The proof is checked before the token is resolved: a bad proof costs no introspection call.
      let proof: VerifiedDpopProof | undefined;
      if (scheme === 'DPoP' && dpop !== undefined) {
        const checked = await dpop.verify(request, token, now);
        if (!checked.ok) {
          const nonce =
            checked.failure.code === 'dpop_nonce_required' ? await dpop.nonceFor(undefined, now) : undefined;
          return reject(checked.failure, nonce);
        }
        proof = checked.value;
      }

      const resolved = await resolver.resolve(token, { request, now });
      if (!resolved.ok) return reject(resolved.failure);
      const info = resolved.value;

      // Most requests carry a plain bearer token on a route without demands: skip the stage's await.
      const bound = info.claims.cnf !== undefined || info.confirmation !== undefined;
      if (bound || scheme === 'DPoP' || required.length > 0) {
        const unconfirmed = await checkConfirmation(info, { request, scheme, proof }, confirmation, required);
        if (unconfirmed !== undefined) return reject(unconfirmed);
      }
      // Recorded only once everything else accepted the proof, so a refused request does not use it up.
      if (proof !== undefined && dpop !== undefined) {
        const replayed = await dpop.remember(proof, now);
        if (replayed !== undefined) return reject(replayed);
      }

      const denied =
        (serverPolicy && checkAccessPolicy(serverPolicy, info, request, now)) ||
        (routePolicy && checkAccessPolicy(routePolicy, info, request, now));
      if (denied) return reject(denied);

      const nonce = proof === undefined ? undefined : await dpop?.nonceFor(proof, now);
      return {
        ok: true,
        context: createContext(info, token, location, scheme),
        headers: successHeaders(location === 'query', nonce),
      };
    },
  };
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
    ...(locations?.queryParameter === undefined ? {} : { queryParameter: locations.queryParameter }),
    header: typeof locations?.header === 'string' ? locations.header.toLowerCase() : locations?.header,
  };
  if (resolved.queryParameter !== undefined) {
    requireOption(resolved.query, 'tokenLocations.queryParameter', 'needs tokenLocations.query: true');
    // Parameter names are compared after form-urlencoded decoding: one that needs encoding is a mistake.
    requireOption(
      /^[A-Za-z0-9._~-]+$/.test(resolved.queryParameter),
      'tokenLocations.queryParameter',
      'must be letters, digits, ".", "_", "~" or "-"',
    );
  }
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
