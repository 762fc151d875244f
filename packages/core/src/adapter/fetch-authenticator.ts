import { requirePublicUrlForDpop } from '../config/dpop-public-url.js';
import { nonEmptyString, type OptionSchema } from '../config/option-schema.js';
import { type AdapterAuthenticator, adapterAuthenticatorWith } from './adapter-authenticator.js';
import { fetchRsRequest } from './fetch-request.js';
import { FORM_BODY_SETTINGS, type FormBodySettings } from './form-body.js';
import type { LiteResourceServerSource } from './lite-resource-server-source.js';
import { publicBaseUrl } from './public-url.js';
import { rejectionResponse } from './rejection-response.js';
import { type ResourceServerSource, resourceServerFrom } from './resource-server-source.js';
import type { ResourceServerReader } from './sourced-resource-server.js';

/** The settings of an adapter whose framework hands over a Fetch `Request` (Fetch handlers, Hono, …). */
export interface FetchAdapterSettings extends FormBodySettings {
  /**
   * The public base URL (scheme, host, optional path prefix) when a proxy in front changes what
   * `request.url` shows; the request's path and query are appended to it. Required with DPoP.
   */
  readonly publicUrl?: string | undefined;
}

const FETCH_ADAPTER_SETTINGS: OptionSchema<FetchAdapterSettings> = {
  ...FORM_BODY_SETTINGS,
  publicUrl: nonEmptyString,
};

/**
 * The {@link adapterAuthenticator} of an adapter whose framework hands over a Fetch `Request`: the
 * options checked (`publicUrl`, `maxFormBodyBytes`, and `publicUrl` present with DPoP), the request
 * translated with {@link fetchRsRequest} and a rejection rendered as a Fetch `Response`.
 *
 * @example
 * ```ts
 * const { resourceServer, authenticate, forRoute } = fetchAdapterAuthenticator(options);
 * const result = await forRoute(policy, 'protect.policy')(request);
 * ```
 */
export function fetchAdapterAuthenticator(
  options: ResourceServerSource & FetchAdapterSettings,
): AdapterAuthenticator<Request, Response> {
  return fetchAdapterAuthenticatorWith(resourceServerFrom, options);
}

/**
 * {@link fetchAdapterAuthenticator} with the resource server read by `serverFrom`: `resourceServerFrom`
 * (`@rs/core`'s factory) or `liteResourceServerFrom` (`@rs/core/lite`'s, for an adapter's lite entry).
 */
export function fetchAdapterAuthenticatorWith<Source extends ResourceServerSource | LiteResourceServerSource>(
  serverFrom: ResourceServerReader<Source>,
  options: Source & FetchAdapterSettings,
): AdapterAuthenticator<Request, Response> {
  const authenticator = adapterAuthenticatorWith(
    serverFrom,
    options,
    {
      // Called per request, so after `publicBase` below is checked: the resource server's options first.
      toRsRequest: (request: Request, form) => fetchRsRequest(request, publicBase, form),
      rejectionResponse,
    },
    FETCH_ADAPTER_SETTINGS,
  );
  requirePublicUrlForDpop(authenticator.resourceServer, options.publicUrl, 'publicUrl');
  const publicBase = publicBaseUrl(options.publicUrl, 'publicUrl', options);
  return authenticator;
}
