/**
 * @rs/core/lite: `@rs/core`'s resource server and JWT resolver without their optional features, for
 * bundles that must stay small (a Cloudflare Worker). The same pipeline decides every request; what the
 * lite entry leaves out (DPoP and `cnf` confirmation, certificate headers, encrypted tokens, issuer
 * discovery, failure answers, RFC 9728 metadata, audit and telemetry) is refused: as an option, with an
 * `RsConfigError` naming it; as a token that needs it (`cnf`, JWE), with `invalid_token`.
 *
 * @packageDocumentation
 */

export type { JwtProfile } from '../claims/token-profiles.js';
export { type Clock, systemClock } from '../clock.js';
export { RsConfigError } from '../config/config-error.js';
export {
  createContext,
  type DefaultClaims,
  type OAuth2Context,
  type RsContext,
  type TokenLocation,
} from '../context.js';
export {
  FAILURES,
  type Failure,
  type FailureCode,
  type OAuthErrorCode,
  type Outcome,
} from '../errors/failure.js';
export type { Rejection, RejectionBody } from '../errors/rejection.js';
export { RsError } from '../errors/rs-error.js';
export type { TokenLocations } from '../extract/token-locations.js';
export { fetchHttpClient } from '../http/fetch-http-client.js';
export {
  type HttpClient,
  HttpClientError,
  type HttpRequest,
  type HttpResponse,
} from '../http/http-client.js';
export type { SignatureVerifierChoice } from '../jose/signed-jwt-verifier.js';
export { ASYMMETRIC_JWS_ALGORITHMS, SYMMETRIC_JWS_ALGORITHMS } from '../keys/algorithms.js';
export type { JwkSetDocument } from '../keys/jwk-set-document.js';
export { JwkSetError, type UnusableJwk } from '../keys/jwk-set-error.js';
export {
  type JwksFetchOptions,
  type RemoteJwks,
  type RemoteJwksOptions,
  type RemoteJwksStats,
  remoteJwks,
} from '../keys/remote-jwks.js';
export { type SharedSecretOptions, sharedSecret } from '../keys/shared-secret.js';
export { staticJwks } from '../keys/static-jwks.js';
export type { KeySelector, VerificationKeySource } from '../keys/verification-key-source.js';
export type { DependencyHealth, JwkSetHealth } from '../observability/dependency-health.js';
export type { ResourceServerStatus } from '../observability/server-status.js';
export type { AccessPolicy } from '../policy/access-policy.js';
export {
  type ClaimCheck,
  type ClaimPath,
  claimAt,
  claimCheck,
  claimEquals,
  claimIncludes,
} from '../policy/claim-checks.js';
export type { ScopeRequirement, StaticScopeRequirement } from '../policy/scopes.js';
export type { StepUpRequirement } from '../policy/step-up.js';
export type { RsRequest } from '../request.js';
export type { AccessTokenResolver, ResolveContext } from '../resolvers/resolver.js';
export type {
  AuthAnonymous,
  AuthFailure,
  AuthResult,
  AuthSuccess,
  OptionalAuthResult,
  ResourceServer,
} from '../resource-server-types.js';
export { type Confirmation, type TokenInfo, tokenInfoFromClaims } from '../token-info.js';
export { jwtResolver, type LiteJwtResolverOptions } from './jwt-resolver.js';
export {
  createResourceServer,
  type LiteAccessPolicy,
  type LiteResourceServerOptions,
} from './resource-server.js';
