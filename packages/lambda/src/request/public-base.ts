import { RsConfigError } from '@rs/core';
import { publicBaseUrl, type ResourceServerSource } from '@rs/core/adapter';

/**
 * Checks the `publicUrl` option with core's rules (`publicBaseUrl`, as every adapter does: an http: or
 * https: URL, an optional path prefix, no credentials, query or fragment) and returns it without a
 * trailing slash, for the event translators to put before each event's path.
 *
 * One rule more than core's: plain http is refused on a loopback host too, unless the options say
 * `requireHttps: false`. Core lets `http://localhost…` through because a request that really arrives on
 * a loopback connection is local development; no Lambda event ever does (`lambdaRsRequest` sets
 * `loopbackConnection: false`), so with such a URL every request would be refused as not https. Local
 * emulators (SAM local, serverless-offline) serve plain http and need `requireHttps: false` anyway.
 * A prebuilt `resourceServer` keeps its options to itself, so its `requireHttps` cannot be checked here.
 */
export function lambdaPublicBase(
  publicUrl: string | undefined,
  source: ResourceServerSource,
): string | undefined {
  const publicBase = publicBaseUrl(publicUrl, 'publicUrl', source);
  const httpsRequired = !('resourceServer' in source) && source.requireHttps !== false;
  if (publicBase !== undefined && httpsRequired && !publicBase.startsWith('https:')) {
    throw new RsConfigError(
      'publicUrl',
      'must be an https: URL: Lambda events never arrive on a loopback connection, so plain http (even to ' +
        'localhost) is refused unless requireHttps is false, as local emulators need',
    );
  }
  return publicBase;
}
