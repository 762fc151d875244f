import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { restApiSampleEvent } from '../fixtures/rest-api-event.js';
import { type ClientRequest, headerValues, splitTarget } from './client-request.js';
import type { LambdaResponse } from './lambda-response.js';

/**
 * Builds the event a REST API proxy integration (stage `prod`) sends for `request`: header names as the
 * client spelled them, the last value of a repeated header in `headers` and all of them in
 * `multiValueHeaders`, the query decoded, `path` without the stage and `requestContext.path` with it.
 */
export function restApiEvent(request: ClientRequest): APIGatewayProxyEvent {
  const sample = structuredClone(restApiSampleEvent);
  const { path, rawQuery } = splitTarget(request.target);
  const headers = { ...sample.headers };
  const multiValueHeaders = { ...sample.multiValueHeaders };
  for (const [name, values] of headerValues(request.headers)) {
    headers[name] = values.at(-1);
    multiValueHeaders[name] = [...values];
  }
  const query = new URLSearchParams(rawQuery);
  const multiValueQuery: Record<string, string[]> = {};
  for (const [name, value] of query) multiValueQuery[name] = [...(multiValueQuery[name] ?? []), value];
  const hasQuery = Object.keys(multiValueQuery).length > 0;
  return {
    ...sample,
    resource: path,
    path,
    httpMethod: request.method,
    headers,
    multiValueHeaders,
    queryStringParameters: hasQuery ? Object.fromEntries(query) : null,
    multiValueQueryStringParameters: hasQuery ? multiValueQuery : null,
    requestContext: {
      ...sample.requestContext,
      httpMethod: request.method,
      path: `/${sample.requestContext.stage}${path}`,
      resourcePath: path,
    },
    body: request.body ?? null,
    isBase64Encoded: request.base64 === true,
  };
}

/** What the client receives: API Gateway merges `headers` and `multiValueHeaders`. */
export function restApiResponse(result: APIGatewayProxyResult): LambdaResponse {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {}))
    headers[name.toLowerCase()] = String(value);
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.map(String).join(', ');
  }
  return { status: result.statusCode, headers, body: result.body };
}
