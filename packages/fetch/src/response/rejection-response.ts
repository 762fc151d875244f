import type { Rejection } from '@rs/core';

/** Copies core's rejection unchanged: status, headers, JSON body. */
export function rejectionResponse(rejection: Rejection): Response {
  return new Response(JSON.stringify(rejection.body), {
    status: rejection.status,
    headers: rejection.headers,
  });
}
