import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { httpApiSampleEvent } from '../fixtures/http-api-event.js';
import { type ClientRequest, headerValues, splitTarget } from './client-request.js';
import type { LambdaResponse } from './lambda-response.js';

const TEXT_MEDIA_TYPE = /^(?:text\/|application\/json)/i;

/**
 * Builds the event an HTTP API (payload 2.0, stage `$default`) sends for `request`: header names lower
 * case, a repeated header comma-joined, cookies moved to `cookies`, the raw path and query kept, and a
 * body that is not text (such as a form) base64-encoded (a body given base64-encoded as it is).
 */
export function httpApiEvent(request: ClientRequest): APIGatewayProxyEventV2 {
  const sample = structuredClone(httpApiSampleEvent);
  const { path, rawQuery } = splitTarget(request.target);
  const headers: Record<string, string | undefined> = { ...sample.headers };
  let cookies: string[] | undefined;
  for (const [name, values] of headerValues(request.headers)) {
    const key = name.toLowerCase();
    if (key === 'cookie') cookies = values.flatMap((value) => value.split('; '));
    else headers[key] = headers[key] === undefined ? values.join(',') : `${headers[key]},${values.join(',')}`;
  }
  const event: APIGatewayProxyEventV2 = {
    ...sample,
    rawPath: request.target.split('?', 1)[0]!,
    rawQueryString: rawQuery,
    headers,
    requestContext: {
      ...sample.requestContext,
      http: { ...sample.requestContext.http, method: request.method, path },
    },
    isBase64Encoded: false,
  };
  if (cookies) event.cookies = cookies;
  else delete event.cookies;
  const query = queryParameters(rawQuery);
  if (query) event.queryStringParameters = query;
  if (request.body !== undefined && request.base64 === true) {
    // Bytes that are not text (a compressed body), given base64-encoded already.
    headers['content-length'] = String(Buffer.from(request.body, 'base64').length);
    event.body = request.body;
    event.isBase64Encoded = true;
  } else if (request.body !== undefined) {
    headers['content-length'] = String(Buffer.byteLength(request.body));
    const text = TEXT_MEDIA_TYPE.test(headers['content-type'] ?? '');
    event.body = text ? request.body : Buffer.from(request.body).toString('base64');
    event.isBase64Encoded = !text;
  }
  return event;
}

function queryParameters(rawQuery: string): Record<string, string> | undefined {
  if (rawQuery === '') return undefined;
  const joined: Record<string, string> = {};
  for (const [name, value] of new URLSearchParams(rawQuery)) {
    joined[name] = joined[name] === undefined ? value : `${joined[name]},${value}`;
  }
  return joined;
}

/**
 * What the client receives. Payload 2.0 reads a result without a `statusCode` (a string, any JSON value,
 * even `{ body }`) as the body itself: 200, `content-type: application/json`, the string as it is or the
 * value's JSON text (AWS, "Lambda function response for format 2.0").
 */
export function httpApiResponse(result: APIGatewayProxyStructuredResultV2 | unknown): LambdaResponse {
  if (
    typeof result !== 'object' ||
    result === null ||
    !('statusCode' in result) ||
    result.statusCode === undefined
  ) {
    const body = typeof result === 'string' ? result : JSON.stringify(result ?? null);
    return { status: 200, headers: { 'content-type': 'application/json' }, body };
  }
  const structured = result as APIGatewayProxyStructuredResultV2;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(structured.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  return { status: structured.statusCode ?? 200, headers, body: structured.body };
}
