import type { RsRequest } from '@rs/core';
import type { FormReading, RsHeaders } from '@rs/core/adapter';
import type { HttpApiEvent } from '../api-gateway-event.js';
import { eventForm } from './event-form.js';
import { eventHeaders } from './event-headers.js';
import { publicPath } from './public-path.js';

/**
 * Translates an HTTP API event (payload 2.0; also Lambda function URLs). Both are HTTPS only. Repeated
 * headers arrive comma-joined, which core understands. Cookies arrive apart, in `cookies`: they are
 * joined back into a `Cookie` header (`; `-separated) for a cookie token location. With a
 * `publicOrigin`, the client's `Host` header plays no part in the URL.
 */
export function httpApiRequest(event: HttpApiEvent, form: FormReading, publicOrigin?: string): RsRequest {
  const headers = withCookies(eventHeaders(event.headers), event.cookies);
  const host = typeof headers.host === 'string' ? headers.host : event.requestContext.domainName;
  const method = event.requestContext.http.method;
  const query = event.rawQueryString ? `?${event.rawQueryString}` : '';
  return {
    method,
    url: `${publicOrigin ?? `https://${host}`}${publicPath(event.rawPath)}${query}`,
    headers,
    form: eventForm(event, method, headers, form),
    peerAddress: event.requestContext.http.sourceIp,
    // Present only when the custom domain has mutual TLS on; API Gateway has then verified the chain.
    clientCertificate: event.requestContext.authentication?.clientCert?.clientCertPem,
  };
}

function withCookies(headers: RsHeaders, cookies: readonly string[] | undefined): RsHeaders {
  if (cookies === undefined || cookies.length === 0 || headers.cookie !== undefined) return headers;
  return { ...headers, cookie: cookies.join('; ') };
}
