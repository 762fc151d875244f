import { RsConfigError, requireOption } from '../config/config-error.js';
import { everyEntry, hasStrayCharacters, isPlainObject } from '../config/option-schema.js';
import { normalizePercentEncoding } from '../encoding/percent-encoding.js';
import { checkIssuerSpelling, checkUrlSpelling, isLoopbackHost } from '../http/endpoint-url.js';
import { isScopeToken } from '../policy/scopes.js';

/**
 * The `protectedResource` option of the resource server: what RFC 9728 metadata says about this API
 * beyond what core already knows from its own configuration (token locations, DPoP, certificate-bound
 * tokens and the scopes its policies require).
 *
 * @example
 * ```ts
 * const protectedResource: ProtectedResourceOptions = {
 *   resource: 'https://api.example.com/v1',
 *   authorizationServers: ['https://as.example.com'],
 * };
 * ```
 */
export interface ProtectedResourceOptions {
  /**
   * The resource identifier (RFC 9728 §1.2): an `https:` URL without query or fragment, the one clients
   * name in `resource` parameters. `http:` is accepted for loopback hosts only, for local development.
   * Written in normal form (RFC 3986 §6.2.2), as the metadata URL is built from it: scheme and host in
   * lower case, no default port, no `.` or `..` segment, escapes in upper case and only where needed, a
   * `%` only as an escape, international characters as `xn--` hosts and UTF-8 escapes. The refusal names
   * the normal form to write.
   */
  readonly resource: string;
  /**
   * Issuer identifiers of the authorization servers whose tokens this API accepts, each exactly as its
   * server states it: an `https:` URL (`http:` on a loopback host) with its scheme and host in lower
   * case, and no white space, query, fragment or credentials (RFC 8414 §2).
   */
  readonly authorizationServers?: readonly string[] | undefined;
  /**
   * The scopes to advertise, each an RFC 6749 §3.3 scope-token (printable ASCII without space, `"` or
   * `\`). Default: every scope named by the server-wide policy and the route policies registered so far
   * (lists, `allOf` and `anyOf`; computed requirements cannot be known).
   */
  readonly scopesSupported?: readonly string[] | undefined;
  /**
   * A page for developers about this API: an `https:` URL (`http:` on a loopback host) without
   * credentials or white space. Clients may open it, so `javascript:`, `data:` or `file:` URLs are refused.
   */
  readonly resourceDocumentation?: string | undefined;
  /** A human-readable name for this API: no control character, nor white space at either end. */
  readonly resourceName?: string | undefined;
  /**
   * Add `resource_metadata="<metadata URL>"` to every `WWW-Authenticate` challenge (RFC 9728 §5.1).
   * Default `true`.
   */
  readonly challenge?: boolean | undefined;
}

/** The RFC 9728 §2 document. Members core cannot vouch for are left out, never guessed. */
export interface ProtectedResourceMetadata {
  /** The resource identifier, from `protectedResource.resource`. */
  readonly resource: string;
  /** The issuers whose tokens this API accepts, from `protectedResource.authorizationServers`; absent when not given. */
  readonly authorization_servers?: readonly string[] | undefined;
  /** `protectedResource.scopesSupported`, else the scopes the policies name; absent when there are none. */
  readonly scopes_supported?: readonly string[] | undefined;
  /** Where a token is read from, as the `tokenLocations` option allows: `header`, `body`, `query`. */
  readonly bearer_methods_supported: readonly ('header' | 'body' | 'query')[];
  /** `protectedResource.resourceDocumentation`; absent when not given. */
  readonly resource_documentation?: string | undefined;
  /** `protectedResource.resourceName`; absent when not given. */
  readonly resource_name?: string | undefined;
  /** The DPoP proof algorithms accepted; present only when DPoP is. */
  readonly dpop_signing_alg_values_supported?: readonly string[] | undefined;
  /** Whether every token must be DPoP-bound; present only when DPoP is accepted. */
  readonly dpop_bound_access_tokens_required?: boolean | undefined;
  /** Whether tokens must be bound to the client's TLS certificate (RFC 8705). */
  readonly tls_client_certificate_bound_access_tokens?: boolean | undefined;
}

/** What the resource server enforces, as the document reports it. */
export interface EnforcedConfiguration {
  readonly tokenLocations: {
    readonly authorizationHeader: boolean;
    readonly formBody: boolean;
    readonly query: boolean;
  };
  /** The DPoP proof algorithms, when DPoP is accepted. */
  readonly dpopAlgorithms: readonly string[] | undefined;
  readonly dpopRequired: boolean;
  /** Whether a client certificate can reach the confirm stage from configuration (a header, or required mTLS). */
  readonly certificateBound: boolean;
  /** The scopes the policies name, in the order first seen. */
  readonly scopes: ReadonlySet<string>;
}

/** The metadata a resource server publishes, settled at start-up. */
export interface ProtectedResource {
  /** The well-known URL of the document (RFC 9728 §3.1), also sent as `resource_metadata`. */
  readonly metadataUrl: string;
  /** Its path, where adapters serve it: `/.well-known/oauth-protected-resource` plus the resource's path. */
  readonly metadataPath: string;
  /** Whether challenges carry `resource_metadata`. */
  readonly challenge: boolean;
  /** The document as of now (route policies registered later add their scopes). */
  document(): ProtectedResourceMetadata;
}

const WELL_KNOWN = '/.well-known/oauth-protected-resource';
const KNOWN = new Set([
  'resource',
  'authorizationServers',
  'scopesSupported',
  'resourceDocumentation',
  'resourceName',
  'challenge',
]);

/**
 * The well-known URL of a resource's metadata (RFC 9728 §3.1): `/.well-known/oauth-protected-resource`
 * goes between the host and the path, so `https://api.example.com/v1` publishes at
 * `https://api.example.com/.well-known/oauth-protected-resource/v1`.
 *
 * @example
 * ```ts
 * protectedResourceMetadataUrl('https://api.example.com/v1');
 * // 'https://api.example.com/.well-known/oauth-protected-resource/v1'
 * ```
 */
export function protectedResourceMetadataUrl(resource: string): string {
  const url = new URL(resource);
  const path = url.pathname === '/' ? '' : url.pathname;
  return `${url.origin}${WELL_KNOWN}${path}`;
}

/** Checks the option at start-up and pairs it with what the resource server enforces. */
export function protectedResource(
  options: ProtectedResourceOptions | undefined,
  enforced: EnforcedConfiguration,
  option = 'protectedResource',
): ProtectedResource | undefined {
  if (options === undefined) return undefined;
  requireOption(isPlainObject(options), option, 'must be an object with at least `resource`');
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key)) throw new RsConfigError(`${option}.${key}`, 'unknown option');
  }
  const resource = resourceIdentifier(options.resource, `${option}.resource`);
  const authorizationServers = issuerList(options.authorizationServers, `${option}.authorizationServers`);
  const scopesSupported = scopeList(options.scopesSupported, `${option}.scopesSupported`);
  const documentation = optionalUrl(options.resourceDocumentation, `${option}.resourceDocumentation`);
  requireOption(
    options.resourceName === undefined ||
      (typeof options.resourceName === 'string' && options.resourceName !== ''),
    `${option}.resourceName`,
    'must be a non-empty string',
  );
  // Shown to people by clients: any language, but no line break or other control character to forge a
  // second line with, and no white space around it (a value pasted with its line break).
  requireOption(
    options.resourceName === undefined || !hasStrayCharacters(options.resourceName),
    `${option}.resourceName`,
    'must have no control characters, nor white space at either end',
  );
  requireOption(
    options.challenge === undefined || typeof options.challenge === 'boolean',
    `${option}.challenge`,
    'must be true or false',
  );
  const metadataUrl = protectedResourceMetadataUrl(resource);
  return {
    metadataUrl,
    metadataPath: new URL(metadataUrl).pathname,
    challenge: options.challenge ?? true,
    document() {
      const scopes = scopesSupported ?? [...enforced.scopes];
      const { tokenLocations, dpopAlgorithms } = enforced;
      const methods: ('header' | 'body' | 'query')[] = [];
      if (tokenLocations.authorizationHeader) methods.push('header');
      if (tokenLocations.formBody) methods.push('body');
      if (tokenLocations.query) methods.push('query');
      return {
        resource,
        ...(authorizationServers === undefined ? {} : { authorization_servers: authorizationServers }),
        ...(scopes.length === 0 ? {} : { scopes_supported: scopes }),
        bearer_methods_supported: methods,
        ...(documentation === undefined ? {} : { resource_documentation: documentation }),
        ...(options.resourceName === undefined ? {} : { resource_name: options.resourceName }),
        ...(dpopAlgorithms === undefined
          ? {}
          : {
              dpop_signing_alg_values_supported: dpopAlgorithms,
              dpop_bound_access_tokens_required: enforced.dpopRequired,
            }),
        tls_client_certificate_bound_access_tokens: enforced.certificateBound,
      };
    },
  };
}

function resourceIdentifier(value: unknown, option: string): string {
  // A host or path written with international characters (`https://bücher.example/café`) is an IRI, not
  // a URI: checked as the URL it stands for, then refused below with that URL's normal form to write.
  const international =
    typeof value === 'string' &&
    /[^\p{ASCII}]/u.test(value) &&
    // Invisible characters (a zero-width space) are left to the plain refusal, which says they are there.
    !/[\s\p{C}\p{Z}]/u.test(value) &&
    URL.canParse(value);
  const url = publishedUrl(international ? new URL(value).href : value, option);
  // `url.search` is '' for a bare `?` too: the string is what the document publishes.
  requireOption(
    url.search === '' &&
      url.hash === '' &&
      !(value as string).includes('?') &&
      !(value as string).includes('#'),
    option,
    'must have no query and no fragment (RFC 9728 §1.2)',
  );
  const normal = normalForm(url);
  requireOption(
    value === normal || (url.pathname === '/' && `${value as string}/` === normal),
    option,
    // The normal form is shown: it is what to write, and holds no credentials, query or fragment (all
    // refused above) nor any character of the value that was not printable ASCII.
    `must be in normal form (RFC 3986 §6.2.2), as the metadata URL is built from it: write ${normal}${url.pathname === '/' ? ` (or without its final "/")` : ''} (scheme and host in lower case, IPv6 in its shortest form, international hosts in their xn-- form, no default port, no "." or ".." segment, escapes in upper case and only where needed, a "%" only as an escape)`,
  );
  return value as string;
}

/**
 * The RFC 3986 §6.2.2 normal form of a resource without query or fragment: the metadata URL is built from
 * the parsed URL, and the document publishes the string as given, so `https://API.example.com:443/a/../v1`
 * would be served at `https://api.example.com/.well-known/oauth-protected-resource/v1` while naming another
 * spelling as its resource, and a backslash would become a `/`. URL parsing leaves some of the path as it
 * is, which the normal form changes: an escape in lower case, or of a character that needs none (`%7E` for
 * `~`, which routers decode before matching the metadata path); a `%` that begins no escape (`%ZZ`, which
 * routers fail to decode); `[`, `]`, `^` and `|`, which RFC 3986 allows in no path.
 */
function normalForm(url: URL): string {
  const escaped = url.pathname.replace(
    UNESCAPED,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `${url.origin}${normalizePercentEncoding(escaped)}`;
}

// What URL parsing leaves raw in a path that a URI may not hold raw: a `%` that begins no escape, and
// `[`, `]`, `^`, `|`. Escaped, they are written as the normal form writes them.
const UNESCAPED = /%(?![0-9A-Fa-f]{2})|[[\]^|]/g;

function optionalUrl(value: unknown, option: string): string | undefined {
  if (value === undefined) return undefined;
  publishedUrl(value, option);
  return value as string;
}

// Issuer identifiers (RFC 8414 §2): clients fetch each one's metadata and compare its `issuer` with the
// entry exactly, so each must be a URL they accept, spelled as its server states it.
function issuerList(value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  requireOption(
    Array.isArray(value) && value.length > 0,
    option,
    'must be a non-empty array of issuer URLs (leave it out to publish none)',
  );
  // An index loop: `forEach` skips the holes of a sparse array, which the document would publish as null.
  for (let index = 0; index < value.length; index++) {
    const entry: unknown = value[index];
    try {
      const url = publishedUrl(entry, option);
      requireOption(
        url.search === '' && url.hash === '',
        option,
        'must have no query or fragment (RFC 8414 §2)',
      );
      checkIssuerSpelling(entry as string, option);
    } catch (error) {
      if (!(error instanceof RsConfigError)) throw error;
      // Named by position, never repeated: an entry may carry a password.
      throw new RsConfigError(option, `entry ${index} ${error.problem}`);
    }
  }
  return Object.freeze([...(value as string[])]);
}

/**
 * A URL the document publishes for clients to follow: written without white space, absolute, `https:`
 * (`http:` only on a loopback host, for local development) and without credentials, as the URLs @rs
 * fetches itself (`remoteJwks.url`) must be. The value is never repeated in a message: a URL with
 * credentials carries a password.
 */
function publishedUrl(value: unknown, option: string): URL {
  requireOption(typeof value === 'string' && value !== '', option, 'must be an absolute URL');
  checkUrlSpelling(value, option);
  const url = URL.canParse(value) ? new URL(value) : undefined;
  requireOption(url !== undefined, option, 'must be an absolute URL');
  requireOption(url.username === '' && url.password === '', option, 'must not carry credentials');
  requireOption(
    url.protocol === 'https:' || (url.protocol === 'http:' && isLoopbackHost(url.hostname)),
    option,
    'must be an https: URL (http: only on a loopback host)',
  );
  return url;
}

// Scopes as clients will ask for them in a space-separated `scope` parameter (RFC 6749 §3.3). Every entry
// is read, holes included: the document would publish a hole as null.
function scopeList(value: unknown, option: string): readonly string[] | undefined {
  if (value === undefined) return undefined;
  requireOption(
    Array.isArray(value) && everyEntry(value, (entry) => typeof entry === 'string' && entry !== ''),
    option,
    'must be an array of non-empty strings',
  );
  requireOption(
    everyEntry(value, isScopeToken),
    option,
    'must hold RFC 6749 scope-tokens: printable ASCII without space, " or \\',
  );
  return Object.freeze([...(value as string[])]);
}
