import type { Clock } from './clock.js';
import type { SenderConstraintOptions } from './confirmation/sender-constraints.js';
import type { OAuth2Context } from './context.js';
import type { ChallengeSettings, Rejection } from './errors/rejection.js';
import type { ResolvedTokenLocations } from './extract/extract-token.js';
import type { TokenLocations } from './extract/token-locations.js';
import type { FailureResponses } from './failure-answers/failure-responses.js';
import type { ProtectedResource, ProtectedResourceOptions } from './metadata/protected-resource-metadata.js';
import type { AuditHook } from './observability/audit-event.js';
import type { ResourceServerStatus } from './observability/server-status.js';
import type { Telemetry } from './observability/telemetry.js';
import type { AccessPolicy } from './policy/access-policy.js';
import type { RsRequest } from './request.js';
import type { AccessTokenResolver } from './resolvers/resolver.js';

// The types of a resource server (its options, its decisions, the server itself), apart from the code:
// the pipeline and both factories (`@rs/core` and `@rs/core/lite`) name them without importing each other.

/**
 * Options of {@link createResourceServer}. Sender-constrained tokens (`certificateHeader`, `dpop`,
 * `requireSenderConstrained`, `jwkConfirmation`) are described on {@link SenderConstraintOptions}.
 */
export interface ResourceServerOptions extends SenderConstraintOptions {
  /** Turns tokens into token info: `jwtResolver(…)`, or any composition of resolvers. */
  readonly resolver: AccessTokenResolver;
  /** The `realm` of every challenge. Default none. */
  readonly realm?: string | undefined;
  /**
   * An `error_uri` for challenges that carry an error: a URI reference (absolute, or relative such as
   * `/docs/errors`) of printable ASCII without spaces, `"` or `\` (RFC 6750 §3). Default none.
   */
  readonly errorUri?: string | undefined;
  /**
   * Refuse requests whose URL is not `https:` (400 `invalid_request`). Default `true`. Plain `http:` to a
   * loopback host (`localhost`, 127.0.0.0/8, `[::1]`) is accepted, with a one-time warning, so that local
   * development needs no setting. Turn it off only when TLS ends at a proxy and adapters are not told the
   * public URL.
   */
  readonly requireHttps?: boolean | undefined;
  /** Where tokens are looked for. Default: the `Authorization` header only. */
  readonly tokenLocations?: TokenLocations | undefined;
  /** What every request must satisfy; routes may add their own. */
  readonly policy?: AccessPolicy | undefined;
  /** Milliseconds since the epoch. Default `Date.now`. */
  readonly clock?: Clock | undefined;
  /**
   * Told of every decision (accepted, refused with its code, unavailable) with the token's tracking ID,
   * client, subject and scopes, never the token: the feed of an audit log. What it throws is ignored.
   */
  readonly onAudit?: AuditHook | undefined;
  /** Traces and metrics, e.g. `otel()` from `@rs/core/otel`. Default none: nothing is recorded. */
  readonly telemetry?: Telemetry | undefined;
  /**
   * Status, headers and body per failure class or code, in place of core's answer (ForgeRock Identity
   * Gateway's `failureHandler`, NGINX's `errorReturnConditions`). The challenge stays; see
   * {@link FailureResponses}. Default: core's RFC 6750 answers.
   */
  readonly failureResponses?: FailureResponses | undefined;
  /**
   * Publish RFC 9728 Protected Resource Metadata built from this configuration, and name its URL in
   * every challenge (`resource_metadata`). Adapters serve it at {@link ProtectedResource.metadataPath}.
   */
  readonly protectedResource?: ProtectedResourceOptions | undefined;
}

/** An accepted request: the context for the application, and headers to add to its response. */
export interface AuthSuccess {
  readonly ok: true;
  /** The context for the application: the token, its claims and how it was presented. */
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
  /** Headers to add to the handler's response (often empty). */
  readonly headers: Readonly<Record<string, string>>;
}

/** The decision for one request on a route where authentication is optional. */
export type OptionalAuthResult = AuthResult | AuthAnonymous;

/** A refused request, with the response to send. */
export interface AuthFailure {
  readonly ok: false;
  /** Why the request was refused, with the status, headers and body to answer it with. */
  readonly rejection: Rejection;
}

/** The decision for one request. */
export type AuthResult = AuthSuccess | AuthFailure;

/** One configured resource server: call {@link ResourceServer.authenticate} once per request. */
export interface ResourceServer {
  /**
   * Runs the pipeline (extract → check the DPoP proof → resolve → confirm → authorize) for one request.
   * Never throws for anything the client sent; the result says whether to proceed or what to answer.
   * It rejects with an `RsConfigError` for a mistake of the application's: a `routePolicy` given as
   * `undefined` (a policy looked up by a misspelt name, or one that failed to load: leave the argument
   * out for a route without a policy of its own), one that {@link ResourceServer.checkPolicy} would
   * refuse (checked at its first request), or a `clock` that stopped answering milliseconds. It rejects,
   * always with an `Error`, when code given in the options throws (a custom resolver, a policy function);
   * a value that is not an `Error` is wrapped in an `RsError` `ERR_RS_NON_ERROR_THROWN` carrying it as
   * `cause`.
   *
   * @param routePolicy - what this route requires on top of the server-wide policy. Its type refuses
   * `AccessPolicy | undefined`, as the resource server does.
   */
  authenticate(request: RsRequest, ...routePolicy: [] | [routePolicy: AccessPolicy]): Promise<AuthResult>;
  /**
   * As {@link ResourceServer.authenticate}, for a route where authentication is optional: a request that
   * carries no access token in any enabled location is let through without a context
   * (`{ ok: true, context: undefined }`); one that carries a token, even a malformed or a bad one, is
   * decided exactly as `authenticate` decides it (a bad token is still 401). An `Authorization` header
   * of another scheme (`Basic …`) is no token here, as it is for `authenticate`. A `routePolicy` given
   * as `undefined` is refused as `authenticate` refuses it, token or none.
   */
  authenticateOptional(
    request: RsRequest,
    ...routePolicy: [] | [routePolicy: AccessPolicy]
  ): Promise<OptionalAuthResult>;
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
  /**
   * Whether DPoP proofs must carry a server nonce (`dpop.nonces`, RFC 9449 §9). A client learns the
   * nonce only from the `DPoP-Nonce` header of an answer: an adapter whose answers carry no headers (a
   * Lambda authorizer) refuses such a server at start-up, or every DPoP request would be refused for
   * good. `false` without DPoP (always in `@rs/core/lite`).
   */
  readonly dpopNonces: boolean;
  /**
   * Whether the certificate header is read only from the proxies `certificateHeader.trustedProxies`
   * lists. Each request that carries the header must then have its `peerAddress` to be matched against
   * the list, or it is refused (401 `certificate_header_untrusted`): an adapter that never knows a peer
   * address (a Fetch `Request`, a Lambda behind an Application Load Balancer) refuses such a server at
   * start-up, however it was given, or every certificate-bound token sent through the proxy would be
   * refused. `false` without the header or without the list (always in `@rs/core/lite`).
   */
  readonly certificateHeaderTrustedProxies: boolean;
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
