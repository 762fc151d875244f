import type { RsRequest } from '@rs/core';
import { type FormReading, requestAuthority } from '@rs/core/adapter';
import type { ALBEvent } from 'aws-lambda';
import { mapOf, textField, textList } from './event-fields.js';
import { eventForm } from './event-form.js';
import { eventHeaders } from './event-headers.js';
import { publicPath } from './public-path.js';

// RFC 2606: a name that can never resolve, for the rare event that names no host at all.
const UNKNOWN_HOST = 'unknown-host.invalid';

/**
 * Translates an Application Load Balancer event, with single-value `headers` or, when the target group
 * has multi-value headers on, `multiValueHeaders` (then a repeated `Authorization` header is seen and
 * refused). The load balancer ends TLS and sets `x-forwarded-proto` itself, overwriting the client's: an
 * HTTP listener gives an `http:` URL, which core refuses unless `requireHttps` is off. The query is
 * passed on as the client sent it (the load balancer does not decode it). With a `publicBase`, the
 * `Host` and `x-forwarded-proto` headers play no part in the URL. A field of the wrong type (a `null`
 * query value, a missing path) counts as missing.
 *
 * The connection is the load balancer's, never one on this machine's loopback (`lambdaRsRequest` says so
 * for every event), so core refuses plain http even when the client sent `Host: localhost` or
 * `Host: 127.0.0.1` (which would otherwise pass for local development).
 *
 * `publicBase` is the checked `publicUrl`, or `undefined` when none is set: it is not optional, so that
 * no caller can forget it and let the client's `Host` header name the URL.
 */
export function albRequest(event: ALBEvent, form: FormReading, publicBase: string | undefined): RsRequest {
  const headers = eventHeaders(event.headers, event.multiValueHeaders);
  const method = textField(event.httpMethod) ?? '';
  const proto = lastValue(headers['x-forwarded-proto']) === 'https' ? 'https' : 'http';
  const host = lastValue(headers.host) ?? UNKNOWN_HOST;
  const path = publicPath(textField(event.path) ?? '/');
  return {
    method,
    url: `${publicBase ?? `${proto}://${requestAuthority(host)}`}${path}${albQuery(event)}`,
    headers,
    ...eventForm(event, method, headers, form),
  };
}

/**
 * Whether an event comes from an Application Load Balancer: its `requestContext` names the target group
 * (`elb`), which no API Gateway event has. ALB events look like REST API events otherwise, so a proxy
 * handler (`protect`) deployed behind a load balancer by mistake must tell them apart: read as a REST API
 * event, an HTTP listener's request would pass for `https:` and its encoded query would be encoded twice.
 */
export function isAlbEvent(event: unknown): event is ALBEvent {
  if (typeof event !== 'object' || event === null) return false;
  const context: unknown = (event as { readonly requestContext?: unknown }).requestContext;
  return typeof context === 'object' && context !== null && 'elb' in context;
}

function lastValue(value: string | readonly string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : value?.[value.length - 1];
}

/** The query as received: names and values stay percent-encoded as the client sent them. */
function albQuery(event: ALBEvent): string {
  const pairs: string[] = [];
  if (event.multiValueQueryStringParameters) {
    for (const [name, values] of Object.entries(mapOf(event.multiValueQueryStringParameters))) {
      for (const value of textList(values)) pairs.push(`${name}=${value}`);
    }
  } else if (event.queryStringParameters) {
    for (const [name, value] of Object.entries(mapOf(event.queryStringParameters))) {
      if (typeof value === 'string') pairs.push(`${name}=${value}`);
    }
  }
  return pairs.length === 0 ? '' : `?${pairs.join('&')}`;
}
