import { shownUrl } from '../config/shown-url.js';
import { type HttpClient, HttpClientError, type HttpRequest, type HttpResponse } from './http-client.js';
import { endedByCaller, requestDeadline } from './request-deadline.js';
import { untilAborted } from './until-aborted.js';

/**
 * `http.send(request)`, given up `request.timeoutMs` after it was made whatever the client does: an
 * application's own `HttpClient` may never settle (a `send` that forgets its timeout, a pool waiting for a
 * connection that never frees), and every request waiting on it would then hang with it. Past the
 * deadline it fails with `HttpClientError` `ERR_RS_HTTP_TIMEOUT`, as a client that keeps its word does;
 * when `request.signal` aborts first (and `givenUpOnAbort` is left `true`), with that signal's reason. A `send` that throws rather than
 * rejecting is a rejection too, and what a given-up `send` settles with later is dropped, never unhandled.
 *
 * @example
 * ```ts
 * const response = await sendWithinDeadline(http, { method: 'GET', url, timeoutMs, maxResponseBytes });
 * ```
 */
export async function sendWithinDeadline(
  http: HttpClient,
  request: HttpRequest,
  { givenUpOnAbort = true }: { readonly givenUpOnAbort?: boolean } = {},
): Promise<HttpResponse> {
  const sent = new Promise<HttpResponse>((resolve) => resolve(http.send(request)));
  // Armed after the client's own timer, if it has one: a client that keeps its word fails first, as itself.
  // Without `givenUpOnAbort`, `request.signal` is only the client's to heed: a client that does not is
  // waited for, up to the timeout (a security event poller's stop waits for the poll under way, so that
  // its acknowledgements are known delivered or kept).
  const deadline = givenUpOnAbort
    ? requestDeadline(request.timeoutMs, request.signal)
    : requestDeadline(request.timeoutMs);
  try {
    return await untilAborted(sent, deadline.signal);
  } catch (error) {
    if (error !== deadline.signal.reason || endedByCaller(deadline, request.signal)) throw error;
    throw new HttpClientError(
      'ERR_RS_HTTP_TIMEOUT',
      `${shownUrl(request.url)} did not answer within ${request.timeoutMs} ms`,
      { cause: error },
    );
  } finally {
    deadline.clear();
  }
}
