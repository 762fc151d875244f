import { requireOption } from './config-error.js';

/**
 * Refuses DPoP without a configured public URL. A DPoP proof names the URL it was made for (`htu`), and
 * the resource server compares it with the URL of the request. Built from the `Host` header (or
 * `X-Forwarded-Host`), that URL is whatever the client says it is: a proof made for another server would
 * match a request replayed here with that server's name in `Host`. Adapters call this at start-up with
 * their `publicUrl` option, which then replaces the client-chosen scheme and host.
 *
 * @example
 * ```ts
 * requirePublicUrlForDpop(resourceServer, options.publicUrl, 'publicUrl');
 * ```
 */
export function requirePublicUrlForDpop(
  resourceServer: { readonly dpop: boolean },
  publicUrl: string | undefined,
  option: string,
): void {
  requireOption(
    !resourceServer.dpop || publicUrl !== undefined,
    option,
    'is required with dpop: DPoP proofs are checked against the URL clients call (htu), which must not be ' +
      'taken from the client-chosen Host header; give the public URL, e.g. https://api.example.com',
  );
}
