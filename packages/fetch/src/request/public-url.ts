import { RsConfigError } from '@rs/core';

/**
 * Checks the `publicUrl` option: an absolute `http(s)` URL, optionally with a path prefix, without
 * query, fragment or credentials. Returns it without a trailing slash, ready to prefix request paths.
 */
export function parsePublicUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new RsConfigError('publicUrl', 'must be an absolute URL such as https://api.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new RsConfigError('publicUrl', 'must be an http(s) URL');
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new RsConfigError('publicUrl', 'must not carry a query, a fragment or credentials');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/**
 * The URL the client used: the request's own, or its path and query under the configured public base
 * when a proxy in front (TLS termination, path prefix stripping) changed scheme, host or path.
 */
export function publicUrlOf(request: Request, publicBase: string | undefined): string {
  if (publicBase === undefined) return request.url;
  const url = new URL(request.url);
  return `${publicBase}${url.pathname}${url.search}`;
}
