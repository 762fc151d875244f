import { requestUrl } from '@rs/core/adapter';

/**
 * The URL the client used: the request's own, or its path and query under the configured public base
 * when a proxy in front (TLS termination, path prefix stripping) changed scheme, host or path.
 */
export function publicUrlOf(request: Request, publicBase: string | undefined): string {
  if (publicBase === undefined) return request.url;
  const url = new URL(request.url);
  return requestUrl(publicBase, undefined, undefined, `${url.pathname}${url.search}`);
}
