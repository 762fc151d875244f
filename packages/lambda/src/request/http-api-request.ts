import type { RsRequest } from '@rs/core';
import { type FormReading, type RsHeaders, requestAuthority } from '@rs/core/adapter';
import type { HttpApiEvent } from '../api-gateway-event.js';
import { textField } from './event-fields.js';
import { eventForm } from './event-form.js';
import { eventHeaders, headerValue } from './event-headers.js';
import { publicPath } from './public-path.js';

// RFC 2606: a name that can never resolve, for the rare event that names no host at all.
const UNKNOWN_HOST = 'unknown-host.invalid';

/**
 * Translates an HTTP API event (payload 2.0; also Lambda function URLs). Both are HTTPS only. Repeated
 * headers arrive comma-joined, which core understands. Cookies arrive apart, in `cookies`: they are
 * joined back into a `Cookie` header (`; `-separated) for a cookie token location. With a
 * `publicBase`, the client's `Host` header plays no part in the URL. Hand-made events may lack
 * `requestContext` or parts of it; a field of the wrong type counts as missing.
 *
 * `publicBase` is the checked `publicUrl`, or `undefined` when none is set: it is not optional, so that
 * no caller can forget it and let the client's `Host` header name the URL.
 */
export function httpApiRequest(
  event: HttpApiEvent,
  form: FormReading,
  publicBase: string | undefined,
): RsRequest {
  const headers = withCookies(eventHeaders(event.headers), event.cookies);
  const context: Partial<HttpApiEvent['requestContext']> | null | undefined = event.requestContext;
  const host =
    typeof headers.host === 'string' ? headers.host : (textField(context?.domainName) ?? UNKNOWN_HOST);
  const method = textField(context?.http?.method) ?? '';
  const path = publicPath(textField(event.rawPath) ?? '/');
  const rawQuery = textField(event.rawQueryString);
  return {
    method,
    url: `${publicBase ?? `https://${requestAuthority(host)}`}${path}${rawQuery ? `?${rawQuery}` : ''}`,
    headers,
    ...eventForm(event, method, headers, form),
    peerAddress: textField(context?.http?.sourceIp),
    // Present only when the custom domain has mutual TLS on; API Gateway has then verified the chain.
    clientCertificate: textField(context?.authentication?.clientCert?.clientCertPem),
  };
}

function withCookies(headers: RsHeaders, cookies: unknown): RsHeaders {
  if (headers.cookie !== undefined || !Array.isArray(cookies)) return headers;
  const pairs = (cookies as readonly unknown[])
    .map(headerValue)
    .filter((pair): pair is string => pair !== undefined && pair !== '');
  if (pairs.length === 0) return headers;
  // Still without a prototype, as eventHeaders made it.
  return Object.assign(Object.create(null), headers, { cookie: pairs.join('; ') });
}
