import { RsConfigError } from '../config/config-error.js';
import { warnOnce } from '../config/development-warning.js';

const LOOPBACK_HOSTS = new Set(['localhost', '[::1]']);

/**
 * Validates a configured authorization-server URL: absolute, no credentials or fragment, and HTTPS
 * unless the host is loopback (for local development and tests, with a one-time warning) or plain HTTP
 * is allowed explicitly.
 */
export function validateEndpointUrl(url: unknown, option: string, allowInsecureHttp = false): URL {
  if (typeof url !== 'string' && !(url instanceof URL))
    throw new RsConfigError(option, 'must be an absolute URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new RsConfigError(option, 'must be an absolute URL');
  }
  if (parsed.username !== '' || parsed.password !== '')
    throw new RsConfigError(option, 'must not carry credentials');
  if (parsed.hash !== '') throw new RsConfigError(option, 'must not have a fragment');
  if (parsed.protocol === 'https:') return parsed;
  if (parsed.protocol === 'http:' && allowInsecureHttp) return parsed;
  if (parsed.protocol === 'http:' && isLoopbackHost(parsed.hostname)) {
    warnOnce(
      `endpoint ${parsed.origin}`,
      'RS_LOOPBACK_HTTP',
      `plain http to ${parsed.origin} is accepted because the host is loopback (local development); ` +
        'authorization servers elsewhere must use https',
    );
    return parsed;
  }
  throw new RsConfigError(
    option,
    `must use https: plain http is accepted only for loopback hosts (localhost, 127.0.0.0/8, [::1]), ` +
      `not ${parsed.protocol === 'http:' ? parsed.host : parsed.protocol}; give allowInsecureHttp: true ` +
      'only for a network you trust',
  );
}

/**
 * Checks an authorization server's issuer identifier: an endpoint URL ({@link validateEndpointUrl}) with
 * no query, as RFC 8414 §2 requires of the URL its metadata is found under.
 *
 * @example
 * ```ts
 * validateIssuerUrl('https://as.example.com/?tenant=a', 'issuerJwks.issuer'); // throws RsConfigError
 * ```
 */
export function validateIssuerUrl(issuer: unknown, option: string, allowInsecureHttp = false): URL {
  const url = validateEndpointUrl(issuer, option, allowInsecureHttp);
  if (url.search !== '') throw new RsConfigError(option, 'must have no query (RFC 8414 §2)');
  return url;
}

/** Whether `hostname` (as `URL.hostname` spells it) names this machine: localhost, 127.0.0.0/8, ::1. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname) || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
