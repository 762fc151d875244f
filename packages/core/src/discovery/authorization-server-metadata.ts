import { requireOption } from '../config/config-error.js';
import { MAX_DOCUMENT_DEPTH, parseBoundedJsonDocument } from '../encoding/bounded-json.js';
import { isObject } from '../encoding/json-object.js';
import { quotedExcerpt } from '../encoding/quoted-excerpt.js';
import { withoutTrailing } from '../encoding/text-ends.js';
import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';
import { validateEndpointUrl } from '../http/endpoint-url.js';
import { type HttpClient, HttpClientError } from '../http/http-client.js';
import { sendWithinDeadline } from '../http/send-within-deadline.js';
import { isTransientStatus } from '../http/transient-status.js';

/** How much of a value the server supplied an error message quotes. */
const MAX_SHOWN_LENGTH = 200;
/** The longest endpoint URL taken from metadata. */
const MAX_ENDPOINT_LENGTH = 2048;
/**
 * The most bytes of a metadata document discovery reads unless a caller allows more: real ones are a few
 * KiB (Keycloak's and Access Management's several), and a caller's limit for other answers is none for
 * them.
 */
export const MAX_METADATA_BYTES = 64 * 1024;

/** The members of RFC 8414 / OpenID Connect discovery metadata that @rs uses. */
export interface AuthorizationServerMetadata {
  /** The authorization server's issuer identifier, as its tokens state it in `iss`. */
  readonly issuer: string;
  /** Where the server publishes its JWK set, for verifying JWT access tokens. */
  readonly jwks_uri?: string | undefined;
  /** The token introspection endpoint (RFC 7662). */
  readonly introspection_endpoint?: string | undefined;
  /**
   * How a client may authenticate to the introspection endpoint (`client_secret_basic`, `private_key_jwt`,
   * …).
   */
  readonly introspection_endpoint_auth_methods_supported?: readonly string[] | undefined;
  /** RFC 8705 §5: the endpoints a client authenticating with a TLS certificate calls instead. */
  readonly mtls_endpoint_aliases?: Readonly<Record<string, unknown>> | undefined;
  readonly [member: string]: unknown;
}

/** Why discovery failed: the server could not be reached, or it answered something unusable. */
export class DiscoveryError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/DiscoveryError';
  override name = 'DiscoveryError';
  /**
   * `ERR_RS_DISCOVERY_UNAVAILABLE`: try again later; `ERR_RS_DISCOVERY_INVALID`: the metadata is wrong
   * (issuer mismatch, not JSON, …).
   */
  declare readonly code: 'ERR_RS_DISCOVERY_UNAVAILABLE' | 'ERR_RS_DISCOVERY_INVALID';

  constructor(code: DiscoveryError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}

/**
 * The metadata URLs to try for an issuer: RFC 8414 inserts `/.well-known/oauth-authorization-server`
 * between host and path; OpenID Connect Discovery appends `/.well-known/openid-configuration`.
 */
export function metadataUrls(issuer: string): readonly string[] {
  const url = new URL(issuer);
  const path = url.pathname === '/' ? '' : url.pathname.replace(/\/$/, '');
  return [
    `${url.origin}/.well-known/oauth-authorization-server${path}`,
    `${url.origin}${path}/.well-known/openid-configuration`,
  ];
}

/**
 * Fetches the authorization server's metadata. The `issuer` it states must equal the configured one
 * exactly (RFC 8414 §3.3), else the metadata is not used.
 *
 * The RFC 8414 URL is asked first. Whatever it answers other than usable metadata, short of "not now" (a
 * network failure, a 5xx, 429 or a temporary redirect, tried again later), sends discovery on to the
 * OpenID Connect URL: servers that serve only OpenID discovery answer the other URL with a 404, but
 * also with a 400, a 200 without a body, or the metadata of another issuer (their root one). The OpenID
 * document is held to the same rules, so nothing less is required of the metadata used.
 */
export async function discoverMetadata(
  issuer: string,
  http: HttpClient,
  limits: { timeoutMs: number; maxResponseBytes: number },
): Promise<AuthorizationServerMetadata> {
  const [rfc8414Url, openIdUrl] = metadataUrls(issuer) as [string, string];
  let firstProblem: DiscoveryError;
  try {
    return await metadataAt(rfc8414Url, issuer, http, limits);
  } catch (error) {
    if (!(error instanceof DiscoveryError) || error.code !== 'ERR_RS_DISCOVERY_INVALID') throw error;
    firstProblem = error;
  }
  try {
    return await metadataAt(openIdUrl, issuer, http, limits);
  } catch (error) {
    if (!(error instanceof DiscoveryError) || error.code !== 'ERR_RS_DISCOVERY_INVALID') throw error;
    // Both problems: the one of the URL the server was meant to answer at may be either.
    throw new DiscoveryError('ERR_RS_DISCOVERY_INVALID', `${firstProblem.message}; ${error.message}`, {
      cause: error,
    });
  }
}

/** The metadata at one of an issuer's metadata URLs, or a {@link DiscoveryError} saying why not. */
async function metadataAt(
  url: string,
  issuer: string,
  http: HttpClient,
  limits: { timeoutMs: number; maxResponseBytes: number },
): Promise<AuthorizationServerMetadata> {
  let response: Awaited<ReturnType<HttpClient['send']>>;
  try {
    // As for a JWK set: a metadata request is made to learn what the server says now (after a failure, a
    // moved endpoint), not what an HTTP cache on the way kept.
    const headers = { accept: 'application/json', 'cache-control': 'no-cache' };
    response = await sendWithinDeadline(http, { method: 'GET', url, headers, ...limits });
  } catch (error) {
    // The HTTP client's message names the URL (every failure of the built-in clients does).
    const message = error instanceof HttpClientError ? error.message : `${url} could not be reached`;
    // A document over the limit will be as large next time: wrong metadata, not an outage.
    const tooLarge = error instanceof HttpClientError && error.code === 'ERR_RS_HTTP_TOO_LARGE';
    throw new DiscoveryError(
      tooLarge ? 'ERR_RS_DISCOVERY_INVALID' : 'ERR_RS_DISCOVERY_UNAVAILABLE',
      message,
      { cause: error },
    );
  }
  if (response.status === 404)
    throw new DiscoveryError('ERR_RS_DISCOVERY_INVALID', `no metadata at ${url} (HTTP 404)`);
  // "Not now" (a 5xx, 429, a temporary redirect) is tried again later; any other status is wrong
  // metadata, which will not fix itself.
  if (isTransientStatus(response.status))
    throw new DiscoveryError('ERR_RS_DISCOVERY_UNAVAILABLE', `${url} answered HTTP ${response.status}`);
  if (response.status !== 200)
    throw new DiscoveryError('ERR_RS_DISCOVERY_INVALID', `${url} answered HTTP ${response.status}`);
  const read = parseBoundedJsonDocument(response.body, MAX_DOCUMENT_DEPTH);
  if (!read.ok) {
    throw new DiscoveryError(
      'ERR_RS_DISCOVERY_INVALID',
      read.problem === 'not-utf8'
        ? `${url} answered a body that is not UTF-8`
        : read.problem === 'invalid'
          ? `${url} did not answer JSON`
          : `${url} answered JSON nested deeper than ${MAX_DOCUMENT_DEPTH} levels`,
    );
  }
  const metadata = read.value;
  if (!isObject(metadata) || typeof metadata.issuer !== 'string') {
    throw new DiscoveryError(
      'ERR_RS_DISCOVERY_INVALID',
      `${url} did not answer authorization server metadata`,
    );
  }
  if (metadata.issuer !== issuer) {
    throw new DiscoveryError(
      'ERR_RS_DISCOVERY_INVALID',
      `${url} names issuer ${quotedExcerpt(metadata.issuer, MAX_SHOWN_LENGTH)}, not ${JSON.stringify(issuer)}`,
    );
  }
  return metadata as AuthorizationServerMetadata;
}

/** The endpoint members of the metadata that a resolver may discover. */
export type MetadataEndpoint = 'introspection_endpoint' | 'jwks_uri';

/** One endpoint of an issuer's metadata, discovered on first use. */
export interface EndpointDiscovery {
  /**
   * The endpoint, discovering it on the first call. Concurrent calls share one discovery; after a failed
   * one, the next call tries again. Throws a {@link DiscoveryError}.
   */
  endpoint(): Promise<string>;
  /** The endpoint once discovered, else `undefined`. */
  known(): string | undefined;
}

/**
 * Discovers `member` from `issuer`'s metadata ({@link discoverMetadata}). The URL found is validated like
 * a configured one; metadata without it, or with an unusable one, is a `DiscoveryError` with code
 * `ERR_RS_DISCOVERY_INVALID` (wrong metadata will not fix itself: a misconfiguration to report).
 *
 * With `mtlsAlias`, for a caller that authenticates with its TLS client certificate, the member of the
 * metadata's `mtls_endpoint_aliases` is taken when there is one (RFC 8705 §5): servers that publish
 * aliases ask for client certificates only there, and refuse such a caller at the plain endpoint.
 */
export function endpointDiscovery(
  issuer: string,
  member: MetadataEndpoint,
  http: HttpClient,
  limits: {
    timeoutMs: number;
    maxResponseBytes: number;
    allowInsecureHttp?: boolean | undefined;
    mtlsAlias?: boolean | undefined;
  },
): EndpointDiscovery {
  let discovered: string | undefined;
  let discovery: Promise<string> | undefined;

  async function discover(): Promise<string> {
    const { timeoutMs, maxResponseBytes } = limits;
    const metadata = await discoverMetadata(issuer, http, { timeoutMs, maxResponseBytes });
    // The member the URL was taken from: refusals name the alias when it is the one that is wrong.
    const { value, name } =
      limits.mtlsAlias === true
        ? mtlsAliasOr(metadata, member, issuer)
        : { value: metadata[member], name: member };
    if (typeof value !== 'string') {
      throw new DiscoveryError('ERR_RS_DISCOVERY_INVALID', `the metadata of ${issuer} has no ${member}`);
    }
    // The URL's parts would be quoted in the refusal below: one this long is no endpoint anyway.
    if (value.length > MAX_ENDPOINT_LENGTH) {
      throw new DiscoveryError(
        'ERR_RS_DISCOVERY_INVALID',
        `the ${name} of ${issuer} is longer than ${MAX_ENDPOINT_LENGTH} characters`,
      );
    }
    try {
      discovered = validateEndpointUrl(value, name, limits.allowInsecureHttp).href;
    } catch (error) {
      throw new DiscoveryError('ERR_RS_DISCOVERY_INVALID', (error as Error).message, { cause: error });
    }
    return discovered;
  }

  return {
    endpoint() {
      if (discovered !== undefined) return Promise.resolve(discovered);
      discovery ??= discover().finally(() => {
        discovery = undefined;
      });
      return discovery;
    },
    known: () => discovered,
  };
}

/**
 * The RFC 8705 §5 alias of `member` when the metadata names one, else `member` itself, each with the
 * name refusals give it. Aliases that are not a JSON object, or an alias of `member` that is not a string,
 * are wrong metadata: falling back to the plain endpoint would send the certificate where the server does
 * not ask for it.
 */
function mtlsAliasOr(
  metadata: AuthorizationServerMetadata,
  member: MetadataEndpoint,
  issuer: string,
): { readonly value: unknown; readonly name: string } {
  const plain = { value: metadata[member], name: member };
  const aliases = metadata.mtls_endpoint_aliases;
  if (aliases === undefined) return plain;
  if (!isObject(aliases))
    throw new DiscoveryError(
      'ERR_RS_DISCOVERY_INVALID',
      `the mtls_endpoint_aliases of ${issuer} is not a JSON object`,
    );
  const alias = aliases[member];
  if (alias === undefined) return plain;
  if (typeof alias !== 'string')
    throw new DiscoveryError(
      'ERR_RS_DISCOVERY_INVALID',
      `the mtls_endpoint_aliases.${member} of ${issuer} is not a string`,
    );
  return { value: alias, name: `mtls_endpoint_aliases.${member}` };
}

/**
 * The introspection endpoint of an Access Management deployment: `<base>/oauth2/realms/root/introspect`
 * for the top-level realm, `<base>/oauth2/realms/root/realms/<sub>/introspect` for a sub-realm (as a
 * gateway's AmService derives it). `realm` may be `/`, `root`, `/sub` or `/sub/subsub`. A base URL or realm
 * that is not a string (an unset environment variable) throws `RsConfigError`; the URL built is checked
 * where it is used, as `introspectionResolver`'s `endpoint`.
 *
 * @example `accessManagementIntrospectionUrl('https://am.example.com/openam', '/alpha')`
 */
export function accessManagementIntrospectionUrl(baseUrl: string, realm = '/'): string {
  // Most often read from the environment: an unset variable is a configuration error, not a TypeError.
  requireOption(
    typeof baseUrl === 'string' && baseUrl !== '',
    'accessManagementIntrospectionUrl',
    'the base URL must be a non-empty string, such as https://am.example.com/openam',
  );
  requireOption(
    typeof realm === 'string',
    'accessManagementIntrospectionUrl.realm',
    "must be a realm path such as '/' or '/alpha'",
  );
  const base = withoutTrailing(baseUrl, '/');
  const parts = realm.split('/').filter((part) => part.length > 0 && part !== 'root');
  const realms = ['root', ...parts].map((part) => encodeURIComponent(part)).join('/realms/');
  return `${base}/oauth2/realms/${realms}/introspect`;
}
