import { checkValidityPeriod } from './claims/validity.js';
import { type Clock, clockOption, readClock } from './clock.js';
import { RsConfigError, requireOption } from './config/config-error.js';
import { warnOnce } from './config/development-warning.js';
import { refusedInLite } from './config/lite-refusal.js';
import {
  anyValue,
  boolean,
  func,
  MAX_SKEW_SECONDS,
  nonEmptyString,
  type OptionSchema,
  objectWith,
  refuseGivenUndefined,
  shape,
} from './config/option-schema.js';
import { refuseUncheckedBinding } from './confirmation/bound-token-refusal.js';
import type { checkConfirmation } from './confirmation/confirm.js';
import type { SenderConstraint } from './confirmation/confirmation-method.js';
import type { SenderConstraintOptions, SenderConstraints } from './confirmation/sender-constraints.js';
import { createContext, type TokenLocation } from './context.js';
import type { VerifiedDpopProof } from './dpop/dpop-proof.js';
import { isQuotableChallengeValue } from './errors/challenge.js';
import { type Failure, failure, type Outcome } from './errors/failure.js';
import { buildRejection, type ChallengeSettings, type Rejection } from './errors/rejection.js';
import { thrownAsError } from './errors/thrown-value.js';
import {
  extractToken,
  plainBearerCredentials,
  type ResolvedTokenLocations,
  schemeOfRefusedRequest,
} from './extract/extract-token.js';
import type { TokenLocations } from './extract/token-locations.js';
import type { failureResponder } from './failure-answers/failure-responses.js';
import { isLoopbackHost } from './http/endpoint-url.js';
import { isHeaderName } from './http/header-field.js';
import type { protectedResource } from './metadata/protected-resource-metadata.js';
import { collectHealth } from './observability/dependency-health.js';
import type { RequestTrace } from './observability/request-trace.js';
import { type ResourceServerStatus, serverStatus } from './observability/server-status.js';
import type { Telemetry } from './observability/telemetry.js';
import type { observeAuthentication } from './observed-authentication.js';
import { type AccessPolicy, checkAccessPolicies, validateAccessPolicy } from './policy/access-policy.js';
import { namedScopes } from './policy/scopes.js';
import { undefinedRoutePolicy } from './policy/undefined-route-policy.js';
import type { RsRequest } from './request.js';
import { refuseUnacceptedAuthorizationServers } from './resolvers/accepted-issuers.js';
import type {
  AuthFailure,
  AuthResult,
  OptionalAuthResult,
  ResourceServer,
  ResourceServerOptions,
} from './resource-server-types.js';
import type { TokenInfo } from './token-info.js';

/**
 * The optional stages of the pipeline, each the code that implements it. `@rs/core`'s factory passes
 * every one; `@rs/core/lite` passes none, so that a bundle holds only what its entry can reach. What a
 * missing feature would have checked is refused, never skipped (see each member).
 */
export interface ResourceServerFeatures {
  /**
   * DPoP proofs, `cnf` confirmation and certificate headers (`dpop`, `certificateHeader`,
   * `requireSenderConstrained`, `jwkConfirmation`). Without it, a `DPoP` authorization scheme is not
   * recognised (as when `dpop` is off) and a token bound with `cnf` is refused `invalid_token`.
   */
  readonly senderConstraints?:
    | {
        readonly settle: (options: SenderConstraintOptions, clock: Clock) => SenderConstraints;
        readonly confirm: typeof checkConfirmation;
      }
    | undefined;
  /** `failureResponses`. Without it, core's RFC 6750 answers. */
  readonly failureAnswers?: typeof failureResponder | undefined;
  /** `protectedResource` (RFC 9728). Without it, no metadata and no `resource_metadata` challenge. */
  readonly protectedResource?: typeof protectedResource | undefined;
  /** `onAudit` and `telemetry`. Without it, decisions are not observed. */
  readonly observation?: typeof observeAuthentication | undefined;
}

const TOKEN_LOCATIONS: OptionSchema<TokenLocations> = {
  authorizationHeader: boolean,
  formBody: boolean,
  query: boolean,
  queryParameter: nonEmptyString,
  header: nonEmptyString,
  cookie: nonEmptyString,
};

/** The options the pipeline reads whatever its features: every factory's schema starts from them. */
export type PipelineOptions = Pick<
  ResourceServerOptions,
  'resolver' | 'realm' | 'errorUri' | 'requireHttps' | 'tokenLocations' | 'policy' | 'clock'
>;

/** The rules of {@link PipelineOptions}. */
export const PIPELINE_OPTIONS: OptionSchema<PipelineOptions> = {
  resolver: objectWith('a token resolver such as jwtResolver(…)', 'resolve'),
  realm: nonEmptyString,
  errorUri: nonEmptyString,
  requireHttps: boolean,
  tokenLocations: shape(TOKEN_LOCATIONS),
  // validateAccessPolicy checks it below, reading each member once (a getter cannot answer twice).
  policy: anyValue,
  clock: func,
};

const NO_FAILURE_ANSWERS = (rejection: Rejection): Rejection => rejection;

const NO_HEADERS: Readonly<Record<string, string>> = Object.freeze({});
// For a token sent in the query, a cookie or a header of the API's own: a shared cache may store the
// answer to a request without an Authorization header (RFC 9111 §3.5), and would serve one client's
// answer to others. RFC 6750 §2.3 asks it for a query token; a cookie or another header is no different.
// A form body comes with a POST, PUT or PATCH, whose answers caches do not store for later requests.
const PRIVATE_ANSWER_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'cache-control': 'private',
});
const NO_REQUIREMENTS: readonly SenderConstraint[] = Object.freeze([]);
const NO_SENDER_CONSTRAINTS = { dpop: undefined, confirmation: undefined, required: undefined } as const;

/**
 * Builds a resource server from options already checked against its factory's schema, with the
 * optional stages `features` supplies. The one pipeline both `@rs/core` and `@rs/core/lite` run.
 */
export function buildResourceServerWith(
  options: ResourceServerOptions,
  features: ResourceServerFeatures,
): ResourceServer {
  requireOption(
    typeof options.resolver?.resolve === 'function',
    'resolver',
    'is required: a token resolver such as jwtResolver(…)',
  );
  refuseUndefinedRequirements(options);
  const challengeBase = {
    realm: quotable(options.realm, 'realm'),
    errorUri: uriReference(options.errorUri, 'errorUri'),
  };
  const locations = resolveLocations(options.tokenLocations);
  const requireHttps = options.requireHttps ?? true;
  const serverPolicy = validateAccessPolicy(options.policy, 'policy');
  const clock = clockOption(options.clock, 'clock');
  const clockConfigured = options.clock !== undefined;
  const resolver = options.resolver;
  const recall = resolver.recall?.bind(resolver);
  const sender = features.senderConstraints;
  requireOption(
    locations.header === undefined || locations.header !== options.certificateHeader?.name?.toLowerCase?.(),
    'tokenLocations.header',
    'is the certificate header (certificateHeader.name): a header carries one or the other',
  );
  const constraints = sender?.settle(options, clock) ?? NO_SENDER_CONSTRAINTS;
  const { dpop, confirmation } = constraints;
  /** A policy's sender demand must be one this server can check. */
  const checkSenderDemand = (policy: AccessPolicy | undefined, option: string): void => {
    if (sender === undefined) refuseSenderRequirement(policy, option);
    requireOption(
      policy?.requireSenderConstrained !== 'dpop' || dpop !== undefined,
      `${option}.requireSenderConstrained`,
      '"dpop" needs the resource server\'s dpop option',
    );
  };
  checkSenderDemand(serverPolicy, 'policy');
  // The server's demands: the option and the server-wide policy's, both applying.
  const serverRequirements = requirements(
    constraints.required === undefined ? NO_REQUIREMENTS : [constraints.required],
    serverPolicy?.requireSenderConstrained,
  );
  const respond = features.failureAnswers?.(options.failureResponses) ?? NO_FAILURE_ANSWERS;
  // The scopes the policies name, for the metadata's scopes_supported; route policies add theirs.
  const policyScopes = new Set(namedScopes(serverPolicy?.scopes));
  const published = features.protectedResource?.(options.protectedResource, {
    tokenLocations: locations,
    dpopAlgorithms: dpop?.algorithms,
    dpopRequired: serverRequirements.includes('dpop'),
    certificateBound:
      options.certificateHeader !== undefined ||
      serverRequirements.includes('mtls') ||
      serverRequirements.includes('any'),
    scopes: policyScopes,
  });
  if (published !== undefined)
    refuseUnacceptedAuthorizationServers(
      options.protectedResource?.authorizationServers,
      options.resolver,
      'protectedResource.authorizationServers',
    );
  const challenge: ChallengeSettings = {
    ...challengeBase,
    dpopAlgorithms: dpop?.algorithms,
    resourceMetadata: published?.challenge ? published.metadataUrl : undefined,
  };

  // Every policy checkPolicy accepted, and the settled copy it answered (which maps to itself), so that a
  // request carrying either is not checked again and is held to the policy as it was checked.
  const settledPolicies = new WeakMap<AccessPolicy, AccessPolicy>();
  // Checked and settled, without publishing its scopes: a policy first seen at request time is no route
  // of the server's, and its scopes (computed from the request, perhaps) must not pile up in the metadata.
  function settledPolicy<P extends AccessPolicy | undefined>(policy: P, option: string): P {
    const settled = validateAccessPolicy(policy, option);
    checkSenderDemand(settled, option);
    if (policy !== undefined && settled !== undefined) {
      settledPolicies.set(policy, settled);
      settledPolicies.set(settled, settled);
    }
    return settled;
  }
  const server: ResourceServer = {
    challenge,
    tokenLocations: locations,
    dpop: dpop !== undefined,
    dpopNonces: dpop?.nonces === true,
    certificateHeaderTrustedProxies: confirmation?.certificates.headerTrustedProxies === true,
    protectedResource: published,
    checkPolicy(policy, option) {
      const settled = settledPolicy(policy, option);
      for (const scope of namedScopes(settled?.scopes)) policyScopes.add(scope);
      return settled;
    },
    status(): ResourceServerStatus {
      const now = clock();
      return serverStatus(now, collectHealth(now, [resolver, dpop]));
    },
    // The route policy is counted in, not read as a rest parameter: no array per request.
    authenticate(request: RsRequest, routePolicy?: AccessPolicy) {
      // biome-ignore lint/complexity/noArguments: tells a policy given as undefined from one left out.
      if (arguments.length > 1 && routePolicy === undefined) {
        return Promise.reject(undefinedRoutePolicy(AUTHENTICATE));
      }
      return decide(request, routePolicy, false, undefined) as Promise<AuthResult>;
    },
    authenticateOptional(request: RsRequest, routePolicy?: AccessPolicy) {
      // biome-ignore lint/complexity/noArguments: tells a policy given as undefined from one left out.
      if (arguments.length > 1 && routePolicy === undefined) {
        return Promise.reject(undefinedRoutePolicy(AUTHENTICATE_OPTIONAL));
      }
      return decide(request, routePolicy, true, undefined);
    },
  };
  // A policy passed to authenticate() that checkPolicy never saw (an adapter's checks its routes' at
  // start-up) is checked at its first request: a policy nobody checked could misspell a member and
  // require nothing.
  const settledRoutePolicy = (policy: AccessPolicy, optional: boolean): AccessPolicy =>
    settledPolicies.get(policy) ?? settledPolicy(policy, optional ? AUTHENTICATE_OPTIONAL : AUTHENTICATE);
  const { onAudit, telemetry } = options;
  const observeAuthentication = features.observation;
  if ((onAudit === undefined && telemetry === undefined) || observeAuthentication === undefined) {
    return server;
  }
  // Decided once, here: a server without either runs the bare pipeline, with no wrapper per request.
  if (telemetry !== undefined) attachTelemetry(telemetry, () => server.status());
  const observers = { onAudit, telemetry, serverPolicy, clock };
  return {
    ...server,
    authenticate: observeAuthentication(
      (request, routePolicy, trace) => decide(request, routePolicy, false, trace) as Promise<AuthResult>,
      observers,
      AUTHENTICATE,
    ),
    authenticateOptional: observeAuthentication(
      (request, routePolicy, trace) => decide(request, routePolicy, true, trace),
      observers,
      AUTHENTICATE_OPTIONAL,
    ),
  };

  /**
   * {@link decideRequest}, failing with an `Error` whatever the application's code throws: a resolver,
   * store or hook that throws `null` or a string would otherwise reach the adapter's error path as
   * itself, and frameworks read a falsy error as none (Express's `next(null)` and Fastify's `done(null)`
   * run the protected handler) and Express's `next('route')` as an instruction.
   */
  function decide(
    request: RsRequest,
    givenPolicy: AccessPolicy | undefined,
    optional: boolean,
    trace: RequestTrace | undefined,
  ): Promise<OptionalAuthResult> {
    return decideRequest(request, givenPolicy, optional, trace).catch(failWithError);
  }

  async function decideRequest(
    request: RsRequest,
    givenPolicy: AccessPolicy | undefined,
    optional: boolean,
    // Present only when `onAudit` or `telemetry` is configured (see below).
    trace: RequestTrace | undefined,
  ): Promise<OptionalAuthResult> {
    const routePolicy = givenPolicy === undefined ? undefined : settledRoutePolicy(givenPolicy, optional);
    const required = requirements(serverRequirements, routePolicy?.requireSenderConstrained);
    // A route that takes DPoP-bound tokens only offers no Bearer challenge and refuses Bearer early.
    const bearer = !required.includes('dpop');

    if (requireHttps && !isHttps(request.url) && !isLoopbackHttp(request)) {
      return refused(respond, challenge, bearer, undefined, HTTPS_REQUIRED);
    }
    // A clock that stopped answering numbers would make every date comparison false: expired tokens valid.
    const now = readClock(clock, 'clock', clockConfigured);

    // A plain Bearer token the resolver verified before, character for character, is answered from
    // its memory: what extraction and resolving would find again is skipped, the stages below run.
    // A traced request takes the full path, so that every stage is recorded.
    const remembered =
      recall !== undefined && bearer && trace === undefined
        ? plainBearerCredentials(request, locations)
        : undefined;
    const recalled =
      remembered === undefined ? undefined : recall!(remembered, { request, now, jwsAlphabetChecked: true });
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
      if (!extracted.ok) {
        if (optional && extracted.failure.code === 'token_missing') {
          return { ok: true, context: undefined, headers: NO_HEADERS };
        }
        const scheme = schemeOfRefusedRequest(request, dpop !== undefined);
        return refused(respond, challenge, bearer, scheme, extracted.failure);
      }
      ({ token, location, scheme } = extracted.value);
      trace?.extracted(scheme);
      if (!bearer && scheme === 'Bearer') {
        return refused(respond, challenge, bearer, scheme, DPOP_BOUND_REQUIRED);
      }

      // The proof is checked before the token is resolved: a bad proof costs no introspection call.
      if (scheme === 'DPoP' && dpop !== undefined) {
        const checked = await dpop.verify(request, token, now);
        if (!checked.ok) {
          const nonce =
            checked.failure.code === 'dpop_nonce_required' ? await dpop.nonceFor(undefined, now) : undefined;
          return refused(respond, challenge, bearer, scheme, checked.failure, nonce);
        }
        proof = checked.value;
        trace?.stage('dpop-proof');
      }
      resolved = await resolver.resolve(token, {
        request,
        now,
        trace,
        jwsAlphabetChecked: extracted.value.jwsAlphabet,
      });
    }
    if (!resolved.ok) return refused(respond, challenge, bearer, scheme, resolved.failure);
    const info = resolved.value;
    // Every resolver of @rs checks the validity period with its own skew; a resolver of the application's
    // own may forget to. Whatever the resolver, a token outside the widest skew any resolver may allow is
    // refused here, as a time claim that is not a number: this never overrules a built-in resolver.
    const outOfTime = checkValidityPeriod(info, now, MAX_SKEW_SECONDS, false);
    if (outOfTime !== undefined) return refused(respond, challenge, bearer, scheme, outOfTime);
    trace?.resolved(info);

    // Most requests carry a plain bearer token on a route without demands: skip the stage's await.
    const bound = info.claims.cnf !== undefined || info.confirmation !== undefined;
    if (bound || scheme === 'DPoP' || required.length > 0) {
      // Without the feature no request can prove possession: a bound token is refused, never let through.
      const unconfirmed =
        sender === undefined
          ? refuseUncheckedBinding(info)
          : await sender.confirm(info, { request, scheme, proof }, confirmation!, required);
      if (unconfirmed !== undefined) return refused(respond, challenge, bearer, scheme, unconfirmed);
      trace?.stage('confirm');
    }
    // Recorded only once everything else accepted the proof, so a refused request does not use it up.
    if (proof !== undefined && dpop !== undefined) {
      const replayed = await dpop.remember(proof, now);
      if (replayed !== undefined) return refused(respond, challenge, bearer, scheme, replayed);
      trace?.stage('dpop-replay');
    }

    const denied = checkAccessPolicies(serverPolicy, routePolicy, info, request, now);
    if (denied !== undefined) return refused(respond, challenge, bearer, scheme, denied);
    trace?.stage('authorize');

    const nonce = proof === undefined ? undefined : await dpop?.nonceFor(proof, now);
    return {
      ok: true,
      context: createContext(info, token, location, scheme),
      headers: successHeaders(location !== 'authorization-header' && location !== 'form-body', nonce),
    };
  }
}

// How errors name the route policy argument, whichever check refuses it (given as undefined, or a policy
// that does not work): one label per method.
const AUTHENTICATE = 'authenticate(request, policy)';
const AUTHENTICATE_OPTIONAL = 'authenticateOptional(request, policy)';

/** Rethrows what application code called while deciding threw, as an `Error` (see `thrownAsError`). */
function failWithError(thrown: unknown): never {
  throw thrownAsError(
    thrown,
    'code an option of the resource server gave (a resolver, policy, store or hook)',
  );
}

const HTTPS_REQUIRED: Failure = Object.freeze(failure('https_required', 'This resource requires HTTPS'));
const DPOP_BOUND_REQUIRED: Failure = Object.freeze(
  failure('sender_constraint_required', 'This resource requires a DPoP-bound access token'),
);

/** A refused request, with the challenge for the scheme the client used (none yet: `undefined`). */
function refused(
  respond: (rejection: Rejection) => Rejection,
  challenge: ChallengeSettings,
  bearer: boolean,
  scheme: 'Bearer' | 'DPoP' | undefined,
  refusal: Failure,
  dpopNonce?: string,
): AuthFailure {
  return { ok: false, rejection: respond(buildRejection(refusal, challenge, { scheme, bearer, dpopNonce })) };
}

/** A set of demands and one more (the server's and a route's, or the option's and the server policy's). */
function requirements(
  server: readonly SenderConstraint[],
  route: SenderConstraint | undefined,
): readonly SenderConstraint[] {
  if (route === undefined || server.includes(route)) return server;
  return [...server, route];
}

function successHeaders(
  privateAnswer: boolean,
  dpopNonce: string | undefined,
): Readonly<Record<string, string>> {
  if (dpopNonce === undefined) return privateAnswer ? PRIVATE_ANSWER_HEADERS : NO_HEADERS;
  return privateAnswer
    ? { 'cache-control': 'private', 'dpop-nonce': dpopNonce }
    : { 'dpop-nonce': dpopNonce };
}

// URL schemes are case-insensitive (RFC 3986 §3.1): compared a character at a time, OR 0x20 folding
// ASCII letters to lower case, without a lower-cased copy per request.
function isHttps(url: string): boolean {
  return (
    url.length > 6 &&
    url.charCodeAt(5) === 58 /* : */ &&
    (url.charCodeAt(0) | 0x20) === 104 /* h */ &&
    (url.charCodeAt(1) | 0x20) === 116 /* t */ &&
    (url.charCodeAt(2) | 0x20) === 116 /* t */ &&
    (url.charCodeAt(3) | 0x20) === 112 /* p */ &&
    (url.charCodeAt(4) | 0x20) === 115 /* s */
  );
}

/**
 * A plain-http request to this machine: local development. The URL's host may come from the client's
 * `Host` header, so the adapter's word on the connection comes first: one that did not arrive on a
 * loopback address is no local development, whatever `Host` says. The warning names no host.
 */
function isLoopbackHttp(request: RsRequest): boolean {
  if (request.loopbackConnection === false) return false;
  const url = request.url;
  if (!URL.canParse(url)) return false;
  const parsed = new URL(url);
  if (parsed.protocol !== 'http:' || !isLoopbackHost(parsed.hostname)) return false;
  warnOnce(
    'requests',
    'RS_LOOPBACK_HTTP_REQUEST',
    'requests over plain http to a loopback host are accepted (local development); elsewhere https is required',
  );
  return true;
}

/**
 * Refuses a server-wide requirement written out as `undefined` (`policy: settings.polcy`, or
 * `requireSenderConstrained: process.env.SENDER_CONSTRAINT` with the variable unset). Read as left out,
 * it would drop the requirement: every route without a policy of its own open to any valid token, or
 * bearer tokens accepted where bound ones were demanded. As route policies and policy members given as
 * `undefined` are refused.
 */
function refuseUndefinedRequirements(options: ResourceServerOptions): void {
  refuseGivenUndefined(
    options,
    'policy',
    'policy',
    'is undefined: a server-wide policy that is misspelt or failed to load? Leave the option out for a ' +
      'server without one',
  );
  refuseGivenUndefined(
    options,
    'requireSenderConstrained',
    'requireSenderConstrained',
    'is undefined: a requirement that failed to load? Give "mtls", "dpop" or "any", or leave the option ' +
      'out for a server that accepts bearer tokens',
  );
}

/**
 * Hands the telemetry its way to read the server's status. What `attach` throws (a metrics provider
 * that is not set up yet, a thrown `null`) surfaces here, at start-up, as a configuration error naming
 * the option, rather than as whatever the telemetry threw, or not at all.
 */
function attachTelemetry(telemetry: Telemetry, status: () => ResourceServerStatus): void {
  try {
    telemetry.attach(status);
  } catch (thrown) {
    throw new RsConfigError('telemetry', 'its attach() threw (see cause)', {
      cause: thrownAsError(thrown, 'telemetry.attach'),
    });
  }
}

/** A policy demanding sender-constrained tokens, where the pipeline cannot check them: refused now. */
function refuseSenderRequirement(policy: AccessPolicy | undefined, option: string): void {
  if (policy?.requireSenderConstrained !== undefined) {
    throw refusedInLite(`${option}.requireSenderConstrained`);
  }
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

// RFC 6750 §3: error_uri "MUST conform to the URI-reference syntax and thus MUST NOT include characters
// outside the set %x21 / %x23-5B / %x5D-7E": the quotable characters less the space.
const URI_REFERENCE_CHARACTERS = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function uriReference(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined;
  requireOption(
    typeof value === 'string' &&
      URI_REFERENCE_CHARACTERS.test(value) &&
      URL.canParse(value, 'https://base.invalid/'),
    option,
    'must be a URI reference of printable ASCII without spaces, " or \\ (RFC 6750 §3)',
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
    cookie: locations?.cookie,
  };
  if (resolved.cookie !== undefined) {
    // RFC 6265 §4.1.1: cookie-name = token, the grammar of header names.
    requireOption(isHeaderName(resolved.cookie), 'tokenLocations.cookie', 'must be a valid cookie name');
  }
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
    requireOption(isHeaderName(resolved.header), 'tokenLocations.header', 'must be a valid header name');
    requireOption(
      resolved.header !== 'authorization',
      'tokenLocations.header',
      'use tokenLocations.authorizationHeader for the Authorization header',
    );
    // Headers that carry something else: a token read from them would be that thing taken for a token.
    requireOption(
      resolved.header !== 'dpop',
      'tokenLocations.header',
      'the DPoP header carries the proof (RFC 9449), not the token',
    );
    requireOption(
      resolved.header !== 'cookie',
      'tokenLocations.header',
      'use tokenLocations.cookie for a cookie',
    );
  }
  if (
    !resolved.authorizationHeader &&
    !resolved.formBody &&
    !resolved.query &&
    resolved.header === undefined &&
    resolved.cookie === undefined
  ) {
    throw new RsConfigError('tokenLocations', 'at least one token location must be enabled');
  }
  return resolved;
}
