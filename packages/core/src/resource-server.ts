import { type Clock, systemClock } from './clock.js';
import { RsConfigError, requireOption } from './config/config-error.js';
import { warnOnce } from './config/development-warning.js';
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
import { type FailureResponses, failureResponder } from './failure-answers/failure-responses.js';
import { isLoopbackHost } from './http/endpoint-url.js';
import {
  type ProtectedResource,
  type ProtectedResourceOptions,
  protectedResource,
} from './metadata/protected-resource-metadata.js';
import type { AuditHook } from './observability/audit-event.js';
import { collectHealth } from './observability/dependency-health.js';
import type { RequestTrace } from './observability/request-trace.js';
import { type ResourceServerStatus, serverStatus } from './observability/server-status.js';
import type { Telemetry } from './observability/telemetry.js';
import { observeAuthentication } from './observed-authentication.js';
import {
  ACCESS_POLICY_OPTIONS,
  type AccessPolicy,
  checkAccessPolicy,
  validateAccessPolicy,
} from './policy/access-policy.js';
import { namedScopes } from './policy/scopes.js';
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
   * Refuse requests whose URL is not `https:` (400 `invalid_request`). Default `true`. Plain `http:` to a
   * loopback host (`localhost`, 127.0.0.0/8, `[::1]`) is accepted, with a one-time warning, so that local
   * development needs no setting. Turn it off only when TLS ends at a proxy and adapters are not told the
   * public URL.
   */
  readonly requireHttps?: boolean;
  /** Where tokens are looked for. Default: the `Authorization` header only. */
  readonly tokenLocations?: TokenLocations;
  /** What every request must satisfy; routes may add their own. */
  readonly policy?: AccessPolicy;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: Clock;
  /**
   * Told of every decision (accepted, refused with its code, unavailable) with the token's tracking ID,
   * client, subject and scopes, never the token: the feed of an audit log. What it throws is ignored.
   */
  readonly onAudit?: AuditHook;
  /** Traces and metrics, e.g. `otel()` from `@rs/core/otel`. Default none: nothing is recorded. */
  readonly telemetry?: Telemetry;
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

/**
 * A request without any access token on a route where authentication is optional
 * ({@link ResourceServer.authenticateOptional}): the handler runs without a context.
 */
export interface AuthAnonymous {
  readonly ok: true;
  readonly context: undefined;
  readonly headers: Readonly<Record<string, string>>;
}

/** The decision for one request on a route where authentication is optional. */
export type OptionalAuthResult = AuthResult | AuthAnonymous;

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
   * As {@link ResourceServer.authenticate}, for a route where authentication is optional: a request that
   * carries no access token in any enabled location is let through without a context
   * (`{ ok: true, context: undefined }`); one that carries a token, even a malformed or a bad one, is
   * decided exactly as `authenticate` decides it (a bad token is still 401). An `Authorization` header
   * of another scheme (`Basic …`) is no token here, as it is for `authenticate`.
   */
  authenticateOptional(request: RsRequest, routePolicy?: AccessPolicy): Promise<OptionalAuthResult>;
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
  /**
   * The state of what the server depends on (JWK sets, introspection endpoints, caches and their
   * stores, the DPoP replay store) and whether it is ready: for a readiness probe or a health route.
   * Never holds a token or a secret.
   */
  status(): ResourceServerStatus;
  /** The RFC 9728 metadata this server publishes, when `protectedResource` is configured. */
  readonly protectedResource: ProtectedResource | undefined;
}

const TOKEN_LOCATIONS: OptionSchema<TokenLocations> = {
  authorizationHeader: boolean,
  formBody: boolean,
  query: boolean,
  queryParameter: nonEmptyString,
  header: nonEmptyString,
  cookie: nonEmptyString,
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
  onAudit: func,
  telemetry: objectWith('telemetry such as otel()', 'attach', 'startRequest'),
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
  const recall = resolver.recall?.bind(resolver);
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

  const server: TracedResourceServer = {
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
    status(): ResourceServerStatus {
      const now = clock();
      return serverStatus(now, collectHealth(now, [resolver, dpop]));
    },
    authenticate: (request, routePolicy, trace) =>
      decide(request, routePolicy, false, trace) as Promise<AuthResult>,
    authenticateOptional: (request, routePolicy, trace) => decide(request, routePolicy, true, trace),
  };
  const { onAudit, telemetry } = options;
  if (onAudit === undefined && telemetry === undefined) return server;
  // Decided once, here: a server without either runs the bare pipeline, with no wrapper per request.
  telemetry?.attach(() => server.status());
  const observers = { onAudit, telemetry, serverPolicy, clock };
  return {
    ...server,
    authenticate: observeAuthentication(server.authenticate, observers),
    authenticateOptional: observeAuthentication(server.authenticateOptional, observers),
  };

  async function decide(
    request: RsRequest,
    routePolicy: AccessPolicy | undefined,
    optional: boolean,
    // Present only when `onAudit` or `telemetry` is configured (see below).
    trace: RequestTrace | undefined,
  ): Promise<OptionalAuthResult> {
    const required = requirements(serverRequirements, routePolicy?.requireSenderConstrained);
    // A route that takes DPoP-bound tokens only offers no Bearer challenge and refuses Bearer early.
    const bearer = !required.includes('dpop');

    if (requireHttps && !isHttps(request.url) && !isLoopbackHttp(request.url)) {
      return refused(respond, challenge, bearer, undefined, HTTPS_REQUIRED);
    }
    const now = clock();

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
        return refused(respond, challenge, bearer, undefined, extracted.failure);
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
    trace?.resolved(info);

    // Most requests carry a plain bearer token on a route without demands: skip the stage's await.
    const bound = info.claims.cnf !== undefined || info.confirmation !== undefined;
    if (bound || scheme === 'DPoP' || required.length > 0) {
      const unconfirmed = await checkConfirmation(info, { request, scheme, proof }, confirmation, required);
      if (unconfirmed !== undefined) return refused(respond, challenge, bearer, scheme, unconfirmed);
      trace?.stage('confirm');
    }
    // Recorded only once everything else accepted the proof, so a refused request does not use it up.
    if (proof !== undefined && dpop !== undefined) {
      const replayed = await dpop.remember(proof, now);
      if (replayed !== undefined) return refused(respond, challenge, bearer, scheme, replayed);
      trace?.stage('dpop-replay');
    }

    const denied =
      (serverPolicy && checkAccessPolicy(serverPolicy, info, request, now)) ||
      (routePolicy && checkAccessPolicy(routePolicy, info, request, now));
    if (denied) return refused(respond, challenge, bearer, scheme, denied);
    trace?.stage('authorize');

    const nonce = proof === undefined ? undefined : await dpop?.nonceFor(proof, now);
    return {
      ok: true,
      context: createContext(info, token, location, scheme),
      headers: successHeaders(location === 'query', nonce),
    };
  }
}

/** The resource server as built, its `authenticate` taking the trace of the request. */
interface TracedResourceServer extends Omit<ResourceServer, 'authenticate' | 'authenticateOptional'> {
  authenticate(request: RsRequest, routePolicy?: AccessPolicy, trace?: RequestTrace): Promise<AuthResult>;
  authenticateOptional(
    request: RsRequest,
    routePolicy?: AccessPolicy,
    trace?: RequestTrace,
  ): Promise<OptionalAuthResult>;
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
 * `Host` header, so the warning names no host; a remote client claiming `localhost` only skips a check
 * that protects its own token.
 */
function isLoopbackHttp(url: string): boolean {
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
    cookie: locations?.cookie,
  };
  if (resolved.cookie !== undefined) {
    // RFC 6265 §4.1.1: cookie-name = token, the grammar of header names.
    requireOption(HEADER_NAME.test(resolved.cookie), 'tokenLocations.cookie', 'must be a valid cookie name');
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
    resolved.header === undefined &&
    resolved.cookie === undefined
  ) {
    throw new RsConfigError('tokenLocations', 'at least one token location must be enabled');
  }
  return resolved;
}
