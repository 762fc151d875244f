import { requireOption } from '../config/config-error.js';
import { withoutTrailing } from '../encoding/text-ends.js';
import { isLoopbackHost } from '../http/endpoint-url.js';
import type { LiteResourceServerSource } from './lite-resource-server-source.js';
import { requestAuthority } from './request-authority.js';
import type { ResourceServerSource } from './resource-server-source.js';

/**
 * Checks an adapter's `publicUrl` option at start-up and returns it without a trailing slash, ready for
 * {@link requestUrl}. It is the URL of the server's root as clients see it (scheme, host, optional path
 * prefix), for deployments whose proxy does not forward the scheme or host. Given the adapter's options
 * (`source`), a plain-http URL off loopback is refused unless they say `requireHttps: false`: every
 * request would otherwise be refused as not https.
 *
 * @example
 * ```ts
 * publicBaseUrl('https://api.example.com/v1/', 'publicUrl'); // 'https://api.example.com/v1'
 * ```
 */
export function publicBaseUrl(
  value: string | undefined,
  option: string,
  source?: ResourceServerSource | LiteResourceServerSource,
): string | undefined {
  if (value === undefined) return undefined;
  const url = typeof value === 'string' && URL.canParse(value) ? new URL(value) : undefined;
  requireOption(url !== undefined, option, 'must be an absolute URL such as https://api.example.com');
  requireOption(
    url.protocol === 'https:' || url.protocol === 'http:',
    option,
    'must be an http: or https: URL',
  );
  // A prebuilt resource server keeps its options to itself: its requireHttps is not known here.
  const httpsRequired =
    source !== undefined && !('resourceServer' in source) && source.requireHttps !== false;
  requireOption(
    !httpsRequired || url.protocol === 'https:' || isLoopbackHost(url.hostname),
    option,
    'must be an https: URL (plain http only on a loopback host, or with requireHttps: false): requests ' +
      'to it would all be refused as not https',
  );
  requireOption(
    url.username === '' && url.password === '' && !value.includes('?') && !value.includes('#'),
    option,
    'must not carry credentials, a query or a fragment: the request path and query are appended to it',
  );
  return url.origin + withoutTrailing(url.pathname, '/');
}

/**
 * The absolute URL the client used: the configured public base, or the scheme and host the framework
 * derived (after its trust-proxy rules), followed by the request target (path and query) as received.
 * A target in absolute-form (RFC 9112 §3.2.2, `https://api.example.com/items`) gives its path and query,
 * and its authority in place of the host; the scheme stays the connection's. A target in asterisk-form
 * (`OPTIONS *`, RFC 9112 §3.2.4) names the server as a whole: given `method` `OPTIONS`, its URL is the
 * scheme and authority alone, with an empty path (RFC 9112 §3.3), and of a public base only the origin,
 * not its path prefix. With any other method (Node's HTTP/1.1 parser lets `GET *` through), or none
 * given, `*` is pasted as received, a URL no proof made for a real one matches.
 *
 * @example
 * ```ts
 * requestUrl(undefined, 'https', 'api.example.com', '/items?page=2'); // 'https://api.example.com/items?page=2'
 * ```
 */
export function requestUrl(
  publicBase: string | undefined,
  protocol: string | undefined,
  host: string | undefined,
  target: string,
  method?: string,
): string {
  // `*` pasted after the host would be read as part of it (`https://api.example.com*`): a URL of no
  // server, with which DPoP's htu was compared. Only OPTIONS has the asterisk-form: a `GET *` must not
  // share the URL of `GET /`, and a proof made for that.
  if (target === ASTERISK_FORM && method === 'OPTIONS') {
    if (publicBase !== undefined) return ORIGIN.exec(publicBase)?.[0] ?? publicBase;
    return `${protocol ?? 'http'}://${requestAuthority(host ?? '')}`;
  }
  const absolute = ABSOLUTE_FORM.test(target) ? absoluteFormParts(target) : undefined;
  const pathAndQuery = absolute?.pathAndQuery ?? target;
  if (publicBase !== undefined) return publicBase + pathAndQuery;
  // The scheme stays the connection's: a client writing https:// over plain http makes it no https.
  return `${protocol ?? 'http'}://${requestAuthority(absolute?.host ?? host ?? '')}${pathAndQuery}`;
}

// RFC 9112 §3.2.2: a server must accept a request-target in absolute-form (`GET https://host/path`), as
// proxies send it; its authority then replaces the Host header (§3.2.2), and only its path and query
// follow the public base. Other targets start with `/` (origin-form) or are `*` (asterisk-form).
const ABSOLUTE_FORM = /^[A-Za-z][A-Za-z0-9+.-]*:\/\//;
const ASTERISK_FORM = '*';
// A public base is `scheme://authority` and an optional path prefix (see publicBaseUrl).
const ORIGIN = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*/;

function absoluteFormParts(target: string): { host: string; pathAndQuery: string } | undefined {
  if (!URL.canParse(target)) return undefined;
  const url = new URL(target);
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return undefined;
  // The path and query as sent, which is what frameworks route: `new URL` would resolve `/x/../items`
  // to `/items` and read `\` as `/`, and DPoP's htu check must see the path the route was chosen by.
  const rest = target.slice(AUTHORITY.exec(target)![0].length);
  return { host: url.host, pathAndQuery: rest.startsWith('/') ? rest : `/${rest}` };
}

const AUTHORITY = /^[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/?#\\]*/;
