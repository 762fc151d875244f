import { checkOptions, nonEmptyString, type OptionSchema } from '../config/option-schema.js';
import { cacheNamespaceOf } from '../crypto/cache-namespace.js';
import { endpointDiscovery, MAX_METADATA_BYTES } from '../discovery/authorization-server-metadata.js';
import { defaultHttpClient } from '../http/default-http-client.js';
import { validateIssuerUrl } from '../http/endpoint-url.js';
import {
  JWKS_FETCH_OPTIONS,
  type JwksFetchOptions,
  jwksFromEndpoint,
  type RemoteJwks,
} from '../keys/remote-jwks.js';

/** Options of {@link issuerJwks}: the issuer, and every option of `remoteJwks` but its `url`. */
export interface IssuerJwksOptions extends JwksFetchOptions {
  /**
   * The issuer identifier, exactly as the authorization server states it in its metadata and in the
   * tokens' `iss` (a trailing slash matters). HTTPS, or HTTP on a loopback host. An issuer no metadata
   * could name is refused when the set is made, not answered 503 at every request: white space or control
   * characters anywhere (as `jwtResolver.issuer` refuses them), an upper-case scheme or host, a query.
   */
  readonly issuer: string;
}

const ISSUER_JWKS_OPTIONS: OptionSchema<IssuerJwksOptions> = {
  ...JWKS_FETCH_OPTIONS,
  issuer: nonEmptyString,
};

/**
 * The issuer's signing keys, found through its metadata: RFC 8414
 * (`/.well-known/oauth-authorization-server`), else OpenID Connect Discovery
 * (`/.well-known/openid-configuration`). The metadata's `issuer` must equal `issuer` exactly, and its
 * `jwks_uri` passes the same checks as a configured URL; otherwise it is not used.
 *
 * Nothing is fetched when this is called. The metadata is read on first use (or by
 * {@link RemoteJwks.preload}); until it is, requests are answered 503 `keys_unavailable`. A failed
 * discovery counts as a failed fetch: reported to `onFetchError` (a `DiscoveryError`) and retried with
 * the same doubling back-off (`retryDelay` … `maxRetryDelay`), never once per request. Without
 * `onFetchError`, metadata that cannot be used (`ERR_RS_DISCOVERY_INVALID`: none under the issuer, as
 * for an issuer given as the metadata URL, or naming the issuer otherwise, as with a trailing slash the
 * server does not state) and every misconfiguration `remoteJwks` reports are written to `console.error`,
 * at most once a minute. Once found, the `jwks_uri` is kept for the life of the process and the set
 * behaves as `remoteJwks({ url: jwks_uri })`.
 * `jwtResolver({ issuer, audience })` without keys uses this with its defaults.
 *
 * @example
 * ```ts
 * const keys = issuerJwks({ issuer: 'https://as.example.com' });
 * await keys.preload(); // optional: during start-up, so the first request does not wait
 * const resolver = jwtResolver({ issuer: 'https://as.example.com', audience: 'https://api.example.com', keys });
 * ```
 */
export function issuerJwks(options: IssuerJwksOptions): RemoteJwks {
  checkOptions(options, ISSUER_JWKS_OPTIONS, 'issuerJwks');
  const { issuer, ...fetchOptions } = options;
  validateIssuerUrl(issuer, 'issuerJwks.issuer', options.allowInsecureHttp);
  // Checked by the schema above, as remoteJwks checks it: the metadata is read within the same timeout.
  const timeoutMs = options.timeout ?? 5_000;
  const discovery = endpointDiscovery(issuer, 'jwks_uri', options.httpClient ?? defaultHttpClient(), {
    timeoutMs,
    maxResponseBytes: MAX_METADATA_BYTES,
    allowInsecureHttp: options.allowInsecureHttp,
  });
  return jwksFromEndpoint(fetchOptions, {
    endpoint: () => discovery.known() ?? discovery.endpoint(),
    label: `JWK set of ${issuer}`,
    cacheNamespace: cacheNamespaceOf('issuerJwks', { issuer }),
    option: 'issuerJwks',
  });
}
