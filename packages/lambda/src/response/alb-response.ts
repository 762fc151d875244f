import type { Rejection } from '@rs/core';
import { rejectionBodyText } from '@rs/core/adapter';
import type { ALBEvent, ALBResult } from 'aws-lambda';

const REASON_PHRASES: Readonly<Record<number, string>> = {
  200: 'OK',
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  405: 'Method Not Allowed',
  413: 'Content Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** ALB's `statusDescription`: the status code and its reason phrase, e.g. `401 Unauthorized`. */
export function statusDescription(status: number): string {
  const phrase = REASON_PHRASES[status];
  return phrase === undefined ? String(status) : `${status} ${phrase}`;
}

/**
 * The response for a refused ALB request: core's status, headers and JSON body, in the shape the load
 * balancer requires. A target group with multi-value headers on sends `multiValueHeaders` and must get
 * them back; otherwise `headers`.
 */
export function albRejectionResponse(rejection: Rejection, event: ALBEvent): ALBResult {
  const base = {
    statusCode: rejection.status,
    statusDescription: statusDescription(rejection.status),
    body: rejectionBodyText(rejection),
    isBase64Encoded: false,
  };
  if (usesMultiValueHeaders(event)) {
    const multiValueHeaders: Record<string, string[]> = {};
    for (const [name, value] of Object.entries(rejection.headers)) multiValueHeaders[name] = [value];
    return { ...base, multiValueHeaders };
  }
  return { ...base, headers: { ...rejection.headers } };
}

/** Whether the target group has multi-value headers on: its events then carry `multiValueHeaders`. */
export function usesMultiValueHeaders(event: ALBEvent): boolean {
  return event.multiValueHeaders !== undefined && event.multiValueHeaders !== null;
}
