import type { ALBEvent, ALBResult } from 'aws-lambda';
import { addHeaders } from './add-headers.js';
import { usesMultiValueHeaders } from './alb-response.js';

/**
 * The handler's result for a load balancer event, with core's success headers added. A target group with
 * multi-value headers on reads only `multiValueHeaders` (a result carrying `headers` loses them, or is
 * refused as malformed). A result with neither map is valid there, so core's headers go into a new
 * `multiValueHeaders` for it: otherwise the same handler would answer with a header token and break with
 * a query token (`cache-control: private`) or a renewed DPoP nonce. A result that has a map keeps to it.
 */
export function albSuccessResult(
  event: ALBEvent,
  result: ALBResult,
  headers: Readonly<Record<string, string>>,
): ALBResult {
  if (Object.keys(headers).length === 0) return result;
  const hasNoHeaderMap = result.headers === undefined && result.multiValueHeaders === undefined;
  if (hasNoHeaderMap && usesMultiValueHeaders(event))
    return addHeaders({ ...result, multiValueHeaders: {} }, headers);
  return addHeaders(result, headers);
}
