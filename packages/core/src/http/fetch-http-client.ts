import { requireOption } from '../config/config-error.js';
import { shownUrl } from '../config/shown-url.js';
import { readStreamAtMost } from './bounded-stream.js';
import { type HttpClient, HttpClientError, type HttpRequest, type HttpResponse } from './http-client.js';
import { networkFailureMessage } from './network-failure.js';
import { endedByCaller, type RequestDeadline, requestDeadline } from './request-deadline.js';
import { responseTooLarge } from './response-too-large.js';
import { withoutUnparsedBytes } from './unparsed-answer-bytes.js';
import { untilAborted } from './until-aborted.js';

/**
 * An {@link HttpClient} on the runtime's `fetch` (Node ≥ 20, Bun, Deno, Workers). Pass another `fetch`
 * to instrument or proxy it. A request ends at its `timeoutMs`, or as soon as its `signal` aborts, also
 * with a `fetch` that does not heed the `signal` it is given (a wrapper that forwards only some options)
 * or whose body never ends: the exchange is given up then, its response body is cancelled (which
 * closes the connection it holds), and so is the body of a response that arrives later. On Node the
 * runtime's `fetch` trusts `NODE_EXTRA_CA_CERTS` beside its own authorities (the way to a private CA),
 * and reads `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` only when told to
 * (`NODE_USE_ENV_PROXY=1`, on the Node versions that have it; Node 20 never does): else, to go through a
 * proxy, pass undici's `fetch` with an `EnvHttpProxyAgent` as its `dispatcher`.
 */
export function fetchHttpClient(fetchImpl: typeof fetch = globalThis.fetch): HttpClient {
  requireOption(typeof fetchImpl === 'function', 'fetchHttpClient.fetch', 'must be a fetch function');
  return {
    async send(request: HttpRequest): Promise<HttpResponse> {
      // Covers the headers and the body: the timer is cleared once the body is read.
      const deadline = requestDeadline(request.timeoutMs, request.signal);
      let response: Response;
      let body: Uint8Array;
      try {
        try {
          // Raced against the deadline: a `fetch` that ignores the signal would otherwise keep the caller
          // (a key set refresh every request waits for, an introspection) waiting for as long as it likes.
          response = await untilAborted(
            fetchImpl(request.url, {
              method: request.method,
              headers: request.headers,
              body: request.body,
              redirect: 'manual',
              signal: deadline.signal,
            }),
            deadline.signal,
            cancelBody,
          );
        } catch (error) {
          throw sendFailure(error, request, deadline);
        }
        try {
          // The body too: its stream may not end when the signal aborts (a `fetch` that was not handed the
          // signal). The read cancels the body then, which closes its connection: a server that stalls the
          // body would otherwise keep that connection open as long as it likes.
          body = await untilAborted(readBounded(response, request, deadline.signal), deadline.signal);
        } catch (error) {
          if (error instanceof HttpClientError) throw error;
          throw sendFailure(error, request, deadline);
        }
      } finally {
        deadline.clear();
      }
      return {
        status: response.status,
        header: (name) => response.headers.get(name) ?? undefined,
        body,
      };
    },
  };
}

/**
 * What `send` rejects with: the reason of the caller's signal when that ended the exchange, else an
 * {@link HttpClientError}.
 */
function sendFailure(error: unknown, request: HttpRequest, deadline: RequestDeadline): unknown {
  if (endedByCaller(deadline, request.signal)) return request.signal?.reason;
  const name = (error as { name?: string | undefined } | null)?.name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return new HttpClientError(
      'ERR_RS_HTTP_TIMEOUT',
      `${shownUrl(request.url)} did not answer within ${request.timeoutMs} ms`,
      {
        cause: error,
      },
    );
  }
  return new HttpClientError('ERR_RS_HTTP_NETWORK', networkFailureMessage(request.url, error), {
    cause: withoutUnparsedBytes(error),
  });
}

/** Releases a response that arrived after its exchange was given up: its body holds a connection. */
function cancelBody(late: Response): void {
  late.body?.cancel().catch(() => undefined);
}

async function readBounded(
  response: Response,
  request: HttpRequest,
  signal: AbortSignal,
): Promise<Uint8Array> {
  const maxBytes = request.maxResponseBytes;
  const declared = Number(response.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw responseTooLarge(request);
  }
  if (response.body === null) return new Uint8Array(0);
  const body = await readStreamAtMost(response.body, maxBytes, signal);
  if (body === undefined) throw responseTooLarge(request);
  return body;
}
