import { refusedCertificateAlong } from '../http/network-failure.js';
import { isTransientStatus } from '../http/transient-status.js';
import { misconfigurationReporter } from '../observability/misconfiguration-reporter.js';

/**
 * Codes of failed JWK set fetches that no retry mends: a document that is no usable JWK set (an HTML
 * page, the discovery document, a set without one key that verifies, an ambiguous one), a document past
 * `maxResponseBytes`, and metadata that cannot be used (no metadata under the issuer, or naming another
 * issuer). Compared by code, not by class, so that the discovery code stays out of bundles without it.
 */
const MISCONFIGURATION_CODES: ReadonlySet<string> = new Set([
  'ERR_RS_JWKS_MALFORMED',
  'ERR_RS_JWKS_NO_USABLE_KEY',
  'ERR_RS_JWKS_AMBIGUOUS',
  'ERR_RS_HTTP_TOO_LARGE',
  'ERR_RS_DISCOVERY_INVALID',
]);

/**
 * Whether an error told to a remote JWK set's `onFetchError` says the configuration is wrong (its URL or
 * issuer, or the authorization server's set): one of {@link MISCONFIGURATION_CODES}, or a status that
 * does not pass by itself (404, 401, a permanent redirect; not a 5xx or 429), or a TLS certificate the
 * client refused (an authorization server behind a private CA, an expired certificate), of the set's URL
 * or the issuer's metadata. An outage, and broken keys left out of a set that is in use, are not.
 */
export function meansMisconfiguredJwkSet(error: Error): boolean {
  const { code, status } = error as { code?: unknown; status?: unknown };
  if (code === 'ERR_RS_JWKS_STATUS') return typeof status === 'number' && !isTransientStatus(status);
  return (typeof code === 'string' && MISCONFIGURATION_CODES.has(code)) || refusedCertificateAlong(error);
}

/**
 * The `onFetchError` of a remote JWK set that was given none: a misconfiguration
 * ({@link meansMisconfiguredJwkSet}) goes to `console.error` at most once a minute, headed by the factory
 * that made the set, so that a wrong URL answered 503 at every request is not silent.
 */
export function jwkSetMisconfigurationReporter(factory: string): (error: Error) => void {
  return misconfigurationReporter(`${factory} is misconfigured`, meansMisconfiguredJwkSet);
}
