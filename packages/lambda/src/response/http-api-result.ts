import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

/**
 * A payload 2.0 handler's result as API Gateway reads it. Payload format 2.0 lets a function return any
 * JSON value, and one without a `statusCode` (a string, `{ message: … }`, even `{ body: … }`) is not read
 * as a response but taken whole as its body: 200, `content-type: application/json` (AWS, "Lambda function
 * response for format 2.0"). Headers set on such a value would only become part of that body, so before
 * core's success headers are added it is turned into the response API Gateway would have made of it: a
 * string is the body as it is, anything else its JSON text. A result with a `statusCode` is returned as is.
 */
export function structuredHttpApiResult(result: unknown): APIGatewayProxyStructuredResultV2 {
  if (hasStatusCode(result)) return result;
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    // Lambda sends `undefined` as JSON `null`.
    body: typeof result === 'string' ? result : JSON.stringify(result ?? null),
    isBase64Encoded: false,
  };
}

function hasStatusCode(result: unknown): result is APIGatewayProxyStructuredResultV2 {
  return (
    typeof result === 'object' &&
    result !== null &&
    (result as { readonly statusCode?: unknown }).statusCode !== undefined
  );
}
