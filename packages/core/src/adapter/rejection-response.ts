import type { Rejection } from '../errors/rejection.js';

/**
 * The text of a rejection's body, exactly as core built it: what every adapter sends, with the
 * rejection's own `content-type` (no charset appended by a framework). Core's JSON body, or the body an
 * application's `failureResponses` chose.
 *
 * @example
 * ```ts
 * res.writeHead(rejection.status, rejection.headers).end(rejectionBodyText(rejection));
 * ```
 */
export function rejectionBodyText(rejection: Rejection): string {
  return rejection.bodyText ?? JSON.stringify(rejection.body);
}

/**
 * A Fetch `Response` for a rejection: core's status, headers and JSON body, unchanged. For adapters whose
 * handlers return Fetch responses (Fetch handlers, Hono, …).
 *
 * @example
 * ```ts
 * if (!result.ok) return rejectionResponse(result.rejection);
 * ```
 */
export function rejectionResponse(rejection: Rejection): Response {
  return new Response(rejectionBodyText(rejection), {
    status: rejection.status,
    headers: rejection.headers,
  });
}
