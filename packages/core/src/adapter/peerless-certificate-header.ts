import { RsConfigError } from '../config/config-error.js';
import type { ResourceServer } from '../resource-server-types.js';

/**
 * Refuses `certificateHeader.trustedProxies` for an adapter whose requests never carry a peer address
 * (a Fetch `Request`, an Application Load Balancer event): no request could be matched against the list,
 * so every request carrying the certificate header would be refused (`certificate_header_untrusted`).
 * Checks the adapter's options when given (before core reads the list, so that a list core would refuse
 * as well, `[]`, is answered with what is wrong with any list here) and the built resource server, however
 * it was given (`certificateHeaderTrustedProxies`, so a prebuilt `resourceServer` is caught too).
 *
 * @param where - the adapter or method, as the message names it: `'@rs/fetch'`, `'protectAlb()'`
 * @param carrier - what carries the request to it: `'a Fetch Request'`
 *
 * @example
 * ```ts
 * refuseTrustedProxiesWithoutPeer({ options }, '@rs/fetch', 'a Fetch Request');
 * ```
 */
export function refuseTrustedProxiesWithoutPeer(
  given: { readonly options?: unknown; readonly resourceServer?: ResourceServer | undefined },
  where: string,
  carrier: string,
): void {
  const listed =
    (given.options !== undefined && trustedProxiesGiven(given.options)) ||
    given.resourceServer?.certificateHeaderTrustedProxies === true;
  if (!listed) return;
  throw new RsConfigError(
    'certificateHeader.trustedProxies',
    `cannot be used with ${where}: ${carrier} carries no peer address to match against it, so every ` +
      'request carrying the certificate header would be refused. Leave it out when only the proxy can ' +
      'reach the service (and have the proxy strip the header clients send)',
  );
}

/** Whether adapter options hold `certificateHeader.trustedProxies`, in whatever shape. */
function trustedProxiesGiven(options: unknown): boolean {
  // Any other shape of options is core's to refuse, by name, when the resource server is built.
  const header: unknown =
    typeof options === 'object' && options !== null && 'certificateHeader' in options
      ? options.certificateHeader
      : undefined;
  return typeof header === 'object' && header !== null && 'trustedProxies' in header;
}
