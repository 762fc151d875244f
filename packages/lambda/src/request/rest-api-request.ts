import type { RsRequest } from '@rs/core';
import { type FormReading, requestAuthority } from '@rs/core/adapter';
import type { RestApiEvent } from '../api-gateway-event.js';
import { mapOf, textField, textList } from './event-fields.js';
import { eventForm } from './event-form.js';
import { eventHeaders } from './event-headers.js';
import { publicPath } from './public-path.js';

// RFC 2606: a name that can never resolve, for the rare event that names no host at all.
const UNKNOWN_HOST = 'unknown-host.invalid';

/**
 * Translates a REST API proxy event (payload 1.0). API Gateway only serves HTTPS, so the URL is `https:`.
 * The path is `requestContext.path`, the one the client used (with the stage on `execute-api` hosts and
 * the base path on custom domains); the top-level `path` lacks the stage. Hand-made events (local
 * emulators, tests) may lack `requestContext` or parts of it: the path is then the top-level one, and no
 * peer address or client certificate is known. A field of the wrong type counts as missing.
 *
 * `publicBase` is the checked `publicUrl` (see `lambdaPublicBase`), or `undefined` when none is set: it
 * is not optional, so that no caller can forget it and let the client's `Host` header name the URL.
 */
export function restApiRequest(
  event: RestApiEvent,
  form: FormReading,
  publicBase: string | undefined,
): RsRequest {
  const headers = eventHeaders(event.headers, event.multiValueHeaders);
  const context: Partial<RestApiEvent['requestContext']> | null | undefined = event.requestContext;
  const host =
    typeof headers.host === 'string' ? headers.host : (textField(context?.domainName) ?? UNKNOWN_HOST);
  const path = textField(context?.path) ?? textField(event.path) ?? '/';
  const method = textField(event.httpMethod) ?? '';
  return {
    method,
    url: `${publicBase ?? `https://${requestAuthority(host)}`}${publicPath(path)}${restApiQuery(event)}`,
    headers,
    ...eventForm(event, method, headers, form),
    peerAddress: textField(context?.identity?.sourceIp),
    // Present only when the custom domain has mutual TLS on; API Gateway has then verified the chain.
    clientCertificate: textField(context?.identity?.clientCert?.clientCertPem),
  };
}

/** API Gateway decodes the query; encode it again, keeping repeated parameters repeated. */
function restApiQuery(event: RestApiEvent): string {
  const params = new URLSearchParams();
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(mapOf(event.multiValueQueryStringParameters))) {
      for (const value of textList(values)) params.append(name, value);
    }
  } else if (event.queryStringParameters) {
    for (const [name, value] of Object.entries(mapOf(event.queryStringParameters))) {
      if (typeof value === 'string') params.append(name, value);
    }
  }
  const query = params.toString();
  return query === '' ? '' : `?${query}`;
}
