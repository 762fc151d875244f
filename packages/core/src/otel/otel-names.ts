/**
 * The names @rs records under. OpenTelemetry semantic conventions where one exists (`error.type`,
 * `http.request.method`, `url.path`, `url.full`); ours under `rs.` otherwise.
 */
export const INSTRUMENTATION_SCOPE = '@rs/core';

/** The name of the span recorded for each request the resource server decides. */
export const SPAN_NAME = 'rs.authenticate';

/** The span and metric attribute names, by what they hold. */
export const ATTR = {
  // Semantic conventions.
  errorType: 'error.type',
  httpMethod: 'http.request.method',
  httpStatus: 'http.response.status_code',
  urlPath: 'url.path',
  urlFull: 'url.full',
  // Ours.
  decision: 'rs.decision',
  scheme: 'rs.token.scheme',
  tokenSource: 'rs.token.source',
  tokenId: 'rs.token.id',
  trackingId: 'rs.tracking_id',
  issuer: 'rs.issuer',
  clientId: 'rs.client_id',
  subject: 'rs.subject',
  scopes: 'rs.scopes',
  cacheHit: 'rs.cache.hit',
  introspectionOutcome: 'rs.introspection.outcome',
  introspectionDuration: 'rs.introspection.duration',
  fetchOutcome: 'rs.jwks.fetch.outcome',
  dependencyKind: 'rs.dependency.kind',
} as const;

/** The metric instrument names, by what they count or measure. */
export const METRIC = {
  requests: 'rs.requests',
  duration: 'rs.authenticate.duration',
  introspectionDuration: 'rs.introspection.duration',
  jwksFetches: 'rs.jwks.fetches',
  cacheHits: 'rs.cache.hits',
  cacheMisses: 'rs.cache.misses',
  cacheEvictions: 'rs.cache.evictions',
  replayStoreFailures: 'rs.replay_store.failures',
  dependencyReady: 'rs.dependency.ready',
} as const;
