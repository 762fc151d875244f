import { RsConfigError } from '@rs/core';

/**
 * Checks the `publicUrl` option: the `https:` origin clients call (API Gateway serves HTTPS only), without
 * a path, since the path of an event is already the one the client used (stage or base path included).
 */
export function parsePublicOrigin(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const url = URL.canParse(value) ? new URL(value) : undefined;
  if (url === undefined || url.protocol !== 'https:') {
    throw new RsConfigError('publicUrl', 'must be an https: URL such as https://api.example.com');
  }
  if (
    url.pathname !== '/' ||
    url.search !== '' ||
    url.hash !== '' ||
    url.username !== '' ||
    url.password !== ''
  ) {
    throw new RsConfigError(
      'publicUrl',
      'must be an origin only (scheme and host): the path of each event is the one the client used',
    );
  }
  return url.origin;
}
