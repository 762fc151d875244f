/**
 * @rs/core: a framework-free OAuth 2.0 resource server. Runs on any runtime with WebCrypto and `fetch`;
 * Node-only helpers live in `@rs/core/node`, what framework adapters share in `@rs/core/adapter`.
 *
 * @packageDocumentation
 */

import type { CacheNamespace as CacheNamespaceClass } from './crypto/cache-namespace.js';

export { type MemoryTokenCacheStore, memoryTokenCacheStore } from './cache/memory-token-cache-store.js';
export {
  type TokenCache,
  type TokenCacheOptions,
  type TokenCacheStats,
  type TokenCacheStoreHealth,
  tokenCache,
} from './cache/token-cache.js';
export type { CachedAnswer, StoreDeletion, StoreLookup, TokenCacheStore } from './cache/token-cache-store.js';
export type { JwtProfile } from './claims/token-profiles.js';
export { type Clock, systemClock } from './clock.js';
export { RsConfigError } from './config/config-error.js';
export type { JwkConfirmationVerifier, SenderConstraint } from './confirmation/confirmation-method.js';
export type { SenderConstraintOptions } from './confirmation/sender-constraints.js';
export {
  createContext,
  type DefaultClaims,
  type OAuth2Context,
  type RsContext,
  type TokenLocation,
} from './context.js';
export type { CacheIdentity } from './crypto/cache-namespace.js';
// An alias rather than `export type { CacheNamespace }`: the bundled declarations re-export a class by value
// whatever the `type` modifier said, so `instanceof CacheNamespace` compiled in a consumer and then failed
// to load, the class not being a runtime export. An alias is a type in the declarations too.
/**
 * The namespace that keeps one resolver's cached answers apart from another's (see {@link CacheIdentity}).
 */
export type CacheNamespace = CacheNamespaceClass;
export { tokenHash } from './crypto/token-hash.js';
export {
  type AuthorizationServerMetadata,
  accessManagementIntrospectionUrl,
  DiscoveryError,
  discoverMetadata,
  metadataUrls,
} from './discovery/authorization-server-metadata.js';
export {
  type DpopNonceProvider,
  type RotatingDpopNoncesOptions,
  rotatingDpopNonces,
} from './dpop/dpop-nonces.js';
export { DPOP_ALGORITHMS, type DpopOptions } from './dpop/dpop-verifier.js';
export { normalizeHttpUri } from './dpop/http-uri.js';
export {
  type MemoryReplayStore,
  type MemoryReplayStoreOptions,
  memoryReplayStore,
  type ReplayStore,
} from './dpop/replay-store.js';
export {
  FAILURES,
  type Failure,
  type FailureCode,
  type OAuthErrorCode,
  type Outcome,
} from './errors/failure.js';
export type { Rejection, RejectionBody } from './errors/rejection.js';
export { RsError } from './errors/rs-error.js';
export type { TokenLocations } from './extract/token-locations.js';
export {
  type FailureAnswer,
  type FailureClass,
  type FailureResponse,
  type FailureResponses,
  failureClassOf,
} from './failure-answers/failure-responses.js';
export { fetchHttpClient } from './http/fetch-http-client.js';
export { type HttpClient, HttpClientError, type HttpRequest, type HttpResponse } from './http/http-client.js';
export type { ClientAuthentication } from './introspection/client-authentication.js';
export {
  IntrospectionError,
  type IntrospectionResolverOptions,
  introspectionResolver,
} from './introspection/introspection-resolver.js';
export {
  JWT_INTROSPECTION_MEDIA_TYPE,
  type JwtIntrospectionOptions,
} from './introspection/jwt-introspection-response.js';
export {
  DEFAULT_MAX_DECOMPRESSED_BYTES,
  type JweDecryptionOptions,
} from './jose/jwe-decryptor.js';
export type { SignatureVerifierChoice } from './jose/signed-jwt-verifier.js';
export { ASYMMETRIC_JWS_ALGORITHMS, SYMMETRIC_JWS_ALGORITHMS } from './keys/algorithms.js';
export type { DecryptionKeySelector, DecryptionKeySource } from './keys/decryption-key-source.js';
export {
  CONTENT_ENCRYPTION_ALGORITHMS,
  DEFAULT_KEY_MANAGEMENT_ALGORITHMS,
  PBES2_ALGORITHMS,
} from './keys/jwe-algorithms.js';
export type { JwkSetDocument } from './keys/jwk-set-document.js';
export { JwkSetError, type UnusableJwk } from './keys/jwk-set-error.js';
export {
  type JwksFetchOptions,
  type RemoteJwks,
  type RemoteJwksOptions,
  type RemoteJwksStats,
  remoteJwks,
} from './keys/remote-jwks.js';
export { type SharedSecretOptions, sharedSecret } from './keys/shared-secret.js';
export {
  type DescribedDecryptionKeySource,
  staticDecryptionKeys,
} from './keys/static-decryption-keys.js';
export { staticJwks } from './keys/static-jwks.js';
export type { KeySelector, VerificationKeySource } from './keys/verification-key-source.js';
export {
  type ProtectedResource,
  type ProtectedResourceMetadata,
  type ProtectedResourceOptions,
  protectedResourceMetadataUrl,
} from './metadata/protected-resource-metadata.js';
export type { CertificateHeaderOptions } from './mtls/certificate-source.js';
export { certificateThumbprint } from './mtls/certificate-thumbprint.js';
export {
  type CertificateHeaderFormat,
  type PresentedCertificate,
  parseClientCertHeader,
} from './mtls/client-cert-header.js';
export type { AuditDecision, AuditEvent, AuditHook } from './observability/audit-event.js';
export type {
  DependencyHealth,
  IntrospectionHealth,
  JwkSetHealth,
  ReplayStoreHealth,
  StoreConnectionHealth,
  TokenCacheHealth,
} from './observability/dependency-health.js';
export type { IntrospectionOutcome, PipelineStage, RequestTrace } from './observability/request-trace.js';
export type { ResourceServerStatus } from './observability/server-status.js';
export type { RequestTelemetry, Telemetry } from './observability/telemetry.js';
export { type AccessPolicy, validateAccessPolicy } from './policy/access-policy.js';
export {
  type ClaimCheck,
  type ClaimPath,
  claimAt,
  claimCheck,
  claimEquals,
  claimIncludes,
} from './policy/claim-checks.js';
export type { ScopeRequirement, StaticScopeRequirement } from './policy/scopes.js';
export type { StepUpRequirement } from './policy/step-up.js';
export {
  type ClaimDelimiter,
  claimArrayContains,
  claimBooleanEquals,
  claimIntegerEquals,
  claimStringMatches,
  type VerifyClaimSpec,
  verifyClaims,
} from './policy/verify-claims.js';
export type { RsRequest } from './request.js';
export { type HybridResolverOptions, hybridResolver } from './resolvers/hybrid-resolver.js';
export { type IssuerJwksOptions, issuerJwks } from './resolvers/issuer-jwks.js';
export { type IssuerRouterOptions, issuerRouter } from './resolvers/issuer-router.js';
export { type JwtResolverOptions, jwtResolver } from './resolvers/jwt-resolver.js';
export type { AccessTokenResolver, ResolveContext } from './resolvers/resolver.js';
export type { ResolverKeyOptions } from './resolvers/resolver-key-sources.js';
export type { VerifiedTokenCacheOptions } from './resolvers/verified-token-cache.js';
export {
  type AuthAnonymous,
  type AuthFailure,
  type AuthResult,
  type AuthSuccess,
  createResourceServer,
  type OptionalAuthResult,
  type ResourceServer,
  type ResourceServerOptions,
} from './resource-server.js';
export { LabelIndex } from './revocation/label-index.js';
export {
  type Revocation,
  type RevocationTarget,
  revocationLabel,
  revocationLabels,
  type SharedRevocation,
} from './revocation/revocation.js';
export {
  type RevocableCache,
  type RevocationList,
  type RevocationListOptions,
  type RevocationListStats,
  type RevocationSharing,
  revocationList,
} from './revocation/revocation-list.js';
export {
  type EnvSecretStoreOptions,
  envSecretStore,
  envVariableName,
} from './secrets/env-secret-store.js';
export { type JwkSetStoreOptions, jwkSetStore } from './secrets/jwk-set-store.js';
export type { SecretKey, SecretStore } from './secrets/secret-store.js';
export type { SecretReference, SecretValue } from './secrets/secret-value.js';
export type { SecretPurpose, SecretsProvider } from './secrets/secrets-provider.js';
export { type SharedSecretValue, sharedSecrets } from './secrets/shared-secrets-store.js';
export { type SecretsProviderOptions, secretsProvider } from './secrets/store-secrets-provider.js';
export {
  type PollResult,
  type SecurityEventPoller,
  type SecurityEventPollerOptions,
  securityEventPoller,
} from './security-events/poll-delivery.js';
export {
  MAX_PUSHED_SET_BYTES,
  type PushAnswer,
  type PushedSet,
  pushDeliveryHandler,
  receivePushedSet,
  SECEVENT_MEDIA_TYPE,
} from './security-events/push-delivery.js';
export type { RevocationFeed, RevocationSink } from './security-events/revocation-feed.js';
export { SecurityEventPollError } from './security-events/security-event-poll-error.js';
export {
  type SecurityEventContext,
  type SecurityEventHandler,
  type SecurityEventReceiver,
  type SecurityEventReceiverOptions,
  type SecurityEventReceiverStats,
  type SetReceipt,
  securityEventReceiver,
} from './security-events/security-event-receiver.js';
export {
  type SecurityEventToken,
  type SecurityEventVerifierOptions,
  SetCheckUnavailableError,
  type SetErrorCode,
  type SetRefusal,
} from './security-events/security-event-token.js';
export {
  CAEP_SESSION_REVOKED,
  CAEP_TOKEN_CLAIMS_CHANGE,
  RISC_TOKENS_REVOKED,
} from './security-events/security-event-types.js';
export { type Confirmation, type TokenInfo, tokenInfoFromClaims } from './token-info.js';
export {
  claimHeaderName,
  type UpstreamHeaders,
  type UpstreamHeadersOptions,
  upstreamHeaders,
} from './upstream/upstream-headers.js';
