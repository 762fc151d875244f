import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';
/** One outgoing request to an authorization server. */
export interface HttpRequest {
  /** `GET` for metadata and JWK sets, `POST` for introspection. */
  readonly method: 'GET' | 'POST';
  /** The absolute URL to call. */
  readonly url: string;
  /** Request headers by name. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** The request body (a form-encoded one for introspection); none for `GET`. */
  readonly body?: string | undefined;
  /** Abort the whole exchange (connect, headers and body) after this many milliseconds. */
  readonly timeoutMs: number;
  /** Refuse a response body larger than this many bytes. */
  readonly maxResponseBytes: number;
  /**
   * Ends the exchange early when it aborts, whatever it is waiting for (a connection, the headers, the
   * body): `send` then rejects with the signal's `reason`, as `fetch` does, not with an
   * {@link HttpClientError}. `fetchHttpClient` and `undiciHttpClient` heed it. A client of your own may
   * ignore it and still work: its request then runs until its answer or `timeoutMs`, and whoever aborted
   * waits that long (`securityEventPoller`'s `stop()`, for one).
   */
  readonly signal?: AbortSignal | undefined;
}

/** The answer, with its body read in full (and bounded). */
export interface HttpResponse {
  /** The HTTP status code. */
  readonly status: number;
  /** Response header by lower-case name. */
  header(name: string): string | undefined;
  /** The body's bytes, no more than the request's `maxResponseBytes`. */
  readonly body: Uint8Array;
}

/**
 * How @rs talks to authorization servers (JWK sets, discovery, introspection). The default uses the
 * runtime's `fetch`; `@rs/core/node` has an undici client with connection pooling. A client never
 * follows redirects: the URLs it is given are configured, and a redirect is reported as a failure.
 */
export interface HttpClient {
  /** Sends `request` and reads its answer, within `request.timeoutMs`, or until `request.signal` aborts. */
  send(request: HttpRequest): Promise<HttpResponse>;
  /**
   * Whether the client presents a TLS client certificate, when it can tell: `undiciHttpClient()` sets it.
   * `false` lets `tls_client_auth` and `self_signed_tls_client_auth` be refused at start-up rather than by
   * the authorization server at the first request; leave it out when unknown (a client of your own is
   * then taken at its word).
   */
  readonly presentsClientCertificate?: boolean | undefined;
}

/**
 * Thrown by an {@link HttpClient} when the exchange did not produce a complete, bounded response:
 * `ERR_RS_HTTP_TIMEOUT` (no answer within `timeoutMs`), `ERR_RS_HTTP_NETWORK` (no answer: refused, reset,
 * a TLS failure, a body that does not decode), `ERR_RS_HTTP_TOO_LARGE` (over `maxResponseBytes`), or
 * `ERR_RS_HTTP_CLOSED` (the client was closed: `undiciHttpClient().close()`, which cuts requests still
 * under way after its grace period and refuses new ones at once). A closed client stays closed, so
 * `ERR_RS_HTTP_CLOSED` is never retried: introspection gives up at once rather than asking it again.
 * Its `cause` is the runtime's own error, for loggers; of an answer that did not parse, the clients of
 * @rs keep the parser's message and code (`HPE_INVALID_STATUS`) but not the bytes it could not parse,
 * which are whatever the server sent, and may be the request it was sent, credentials included.
 */
export class HttpClientError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/HttpClientError';
  override name = 'HttpClientError';
  declare readonly code:
    | 'ERR_RS_HTTP_TIMEOUT'
    | 'ERR_RS_HTTP_NETWORK'
    | 'ERR_RS_HTTP_TOO_LARGE'
    | 'ERR_RS_HTTP_CLOSED';

  constructor(code: HttpClientError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
