import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { Socket } from 'node:net';
import { createSecureContext, TLSSocket } from 'node:tls';
import { promisify } from 'node:util';
import {
  type BrotliOptions,
  brotliDecompress,
  gunzip,
  type InputType,
  inflate,
  inflateRaw,
  type ZlibOptions,
} from 'node:zlib';
import type * as Undici from 'undici';
import { RsConfigError, requireOption } from '../config/config-error.js';
import {
  checkOptions,
  type OptionSchema,
  positiveInteger,
  shape,
  stringOrBytes,
  timerMilliseconds,
} from '../config/option-schema.js';
import { shownUrl } from '../config/shown-url.js';
import { concat } from '../http/bounded-stream.js';
import {
  type HttpClient,
  HttpClientError,
  type HttpRequest,
  type HttpResponse,
} from '../http/http-client.js';
import { contentCodings } from '../http/media-type.js';
import { networkFailureMessage } from '../http/network-failure.js';
import { endedByCaller, requestDeadline } from '../http/request-deadline.js';
import { responseTooLarge } from '../http/response-too-large.js';
import { withoutUnparsedBytes } from '../http/unparsed-answer-bytes.js';
import { loadOptionalPeer } from './optional-peer.js';
import { pemBlocks } from './pem-key.js';

/** Options of {@link undiciHttpClient}. */
export interface UndiciHttpClientOptions {
  /**
   * The most connections open at once per origin. Default: no limit, as for Node's `fetch`. Each request
   * holds its connection at most for its own timeout (an attempt to open one, at most the 10 s connect
   * limit), so the connections in use stay bounded by the request rate times the longer of the two; a limit is shared by every endpoint of the origin (the JWK set,
   * introspection, discovery), so one endpoint that hangs fills it and the others then wait for a
   * connection that does not come free, and fail at their timeout. With a limit, a request that waits
   * for a connection still fails within its own `timeoutMs` (`ERR_RS_HTTP_TIMEOUT`).
   */
  readonly connections?: number | undefined;
  /** How long an idle connection stays open, in ms. Default 30 s. */
  readonly keepAliveTimeout?: number | undefined;
  /**
   * TLS options for the connection to the authorization server, all PEM: `ca`, the certificates to trust
   * in place of the runtime's, those of `NODE_EXTRA_CA_CERTS` included (one or more, as `CERTIFICATE`,
   * `TRUSTED CERTIFICATE` or `X509 CERTIFICATE` blocks, the labels Node's TLS reads); without it, the
   * runtime's authorities and `NODE_EXTRA_CA_CERTS` are trusted, as by `fetch`; `cert` and `key`, the
   * client certificate (then its chain) and its unencrypted private key, given together, for
   * `tls_client_auth` or `self_signed_tls_client_auth`. Checked when the client is built:
   * text that holds no readable certificate or key, a `ca` whose `-----BEGIN`/`-----END` markers are not
   * lines of their own in pairs, a certificate that is not the key's, or one of `cert` and `key` without
   * the other is refused then, not at the first request.
   */
  readonly tls?:
    | {
        /** The certificates to trust in place of the runtime's. */
        readonly ca?: string | Buffer | undefined;
        /** The client certificate, then its chain; given with `key`. */
        readonly cert?: string | Buffer | undefined;
        /** The client certificate's unencrypted private key; given with `cert`. */
        readonly key?: string | Buffer | undefined;
      }
    | undefined;
}

// How long close() lets requests under way finish before it cuts their connections.
const CLOSE_GRACE_MS = 1_000;
// Undici's own default, made explicit so that a failure to connect can say how long it waited. A
// connection attempt is the pool's, not one request's: a request that gives up sooner (its own timeout)
// leaves the attempt to end here, unless no other request is under way (see ConnectionAttempts).
const CONNECT_TIMEOUT_MS = 10_000;

/** An {@link HttpClient} with connections to let go of. */
export interface ClosableHttpClient extends HttpClient {
  /**
   * Closes every connection: idle ones at once, busy ones when their request ends or, after a grace
   * period of 1 s, by cutting them (their requests fail with `ERR_RS_HTTP_CLOSED`). Leaves no socket or
   * timer behind. A request sent after `close()` was called fails at once with `ERR_RS_HTTP_CLOSED`,
   * which nothing retries. Calling it again, during or after the first, returns the same closing.
   */
  close(): Promise<void>;
}

const pem = stringOrBytes;
const UNDICI_HTTP_CLIENT_OPTIONS: OptionSchema<UndiciHttpClientOptions> = {
  connections: positiveInteger,
  keepAliveTimeout: timerMilliseconds,
  tls: shape<NonNullable<UndiciHttpClientOptions['tls']>>({ ca: pem, cert: pem, key: pem }),
};

/**
 * A pooled, keep-alive {@link HttpClient} for Node on undici. Prefer it to the default `fetch` client on
 * Node: connections to the authorization server are reused across requests. `undici` is an optional peer
 * dependency of `@rs/core`, in versions ^7: without it, with another major installed (undici 8 needs Node
 * 22), or with one that does not load on this Node, this throws `MissingPackageError`, naming the version
 * installed and the command that installs a supported one (`npm install undici@7`).
 *
 * Every request ends within its `timeoutMs`, or as soon as its `signal` aborts, whatever undici does:
 * waiting for a connection counts, and there is no limit on connections per origin unless `connections`
 * sets one, so an endpoint that hangs does not starve the other endpoints of its origin (see
 * {@link UndiciHttpClientOptions.connections}). `timeoutMs` is the only limit on the answer, however
 * long (undici's own 300 s limits on headers and body are off); opening a connection (TCP and TLS) is
 * given at most 10 s, and fails then with `ERR_RS_HTTP_TIMEOUT` saying so; an attempt that outlives its
 * request (whose own timeout came first) does not keep the process alive. It connects directly:
 * `HTTP_PROXY`, `HTTPS_PROXY` and `NO_PROXY` are not read (through a proxy, give `fetchHttpClient` a
 * `fetch` on undici's `EnvHttpProxyAgent`).
 *
 * @example
 * ```ts
 * import { undiciHttpClient } from '@rs/core/node';
 * remoteJwks({ url, httpClient: undiciHttpClient() });
 * ```
 */
export function undiciHttpClient(options: UndiciHttpClientOptions = {}): ClosableHttpClient {
  checkOptions(options, UNDICI_HTTP_CLIENT_OPTIONS, 'undiciHttpClient');
  if (options.tls !== undefined) checkTlsOptions(options.tls);
  const {
    Agent,
    request,
    buildConnector,
    errors: undiciErrors,
  } = loadOptionalPeer<typeof Undici>('undici', 'undiciHttpClient');
  const connectionAttempts = new ConnectionAttempts();
  const dispatcher = new Agent({
    // Undici's own default, `null`, is no limit.
    connections: options.connections ?? null,
    keepAliveTimeout: options.keepAliveTimeout ?? 30_000,
    // Each request's own deadline (`timeoutMs`, up to 2³¹−1 ms) is its only limit for the headers and
    // the body: undici's defaults (300 s each) would otherwise end a longer one early, as a network error.
    headersTimeout: 0,
    bodyTimeout: 0,
    connect: unheldWhileConnecting(
      buildConnector({ ...options.tls, timeout: CONNECT_TIMEOUT_MS }),
      connectionAttempts,
    ),
  });
  // Aborts every request under way when close() cuts connections: destroying the agent alone leaves a
  // request that is waiting for response headers pending.
  const cut = new AbortController();
  // Each request under way follows this signal with a listener of its own: as many as there are
  // requests, and none left once they end, so Node's leak warning past 10 would be a false alarm.
  setMaxListeners(0, cut.signal);
  // Set by close(): a request sent or cut from then on fails with ERR_RS_HTTP_CLOSED, which no caller
  // retries (asking a closed client again fails again, until the caller's own timeout).
  let closed = false;
  // The one closing, which every call of close() awaits: undici's agent refuses a second close once it is
  // closed or destroyed, and shutdown paths often close twice (a SIGTERM handler and a framework hook).
  let closing: Promise<void> | undefined;
  return {
    // `tls.cert` and `tls.key` come together, or not at all (checked above).
    presentsClientCertificate: options.tls?.cert !== undefined,
    async send(req: HttpRequest): Promise<HttpResponse> {
      if (closed) throw closedClient(req.url);
      const deadline = requestDeadline(req.timeoutMs, cut.signal, req.signal);
      connectionAttempts.requestStarted();
      try {
        const exchange = async (): Promise<HttpResponse> => {
          const response = await request(req.url, {
            method: req.method,
            // Undici inflates nothing, and a request without Accept-Encoding accepts any coding (RFC
            // 9110 §12.5.3): a server would be free to gzip its JSON, which fetch inflates. Asking for the
            // bytes as they are gives one answer whichever client is installed.
            headers: { 'accept-encoding': 'identity', ...req.headers },
            body: req.body,
            dispatcher,
            signal: deadline.signal,
          });
          const declared = Number(response.headers['content-length']);
          if (Number.isFinite(declared) && declared > req.maxResponseBytes) {
            // Destroying an unread undici body emits an "aborted" error; without a listener it would be an
            // uncaught exception that takes the process down.
            response.body.on('error', () => {}).destroy();
            throw responseTooLarge(req);
          }
          const chunks: Uint8Array[] = [];
          let size = 0;
          for await (const chunk of response.body) {
            size += (chunk as Buffer).byteLength;
            if (size > req.maxResponseBytes) {
              response.body.destroy();
              throw responseTooLarge(req);
            }
            chunks.push(chunk as Buffer);
          }
          const headers = response.headers;
          return {
            status: response.statusCode,
            header: (name) => {
              const value = headers[name];
              return Array.isArray(value) ? value.join(', ') : value;
            },
            body: await decodedBody(
              concat(chunks, size),
              headers['content-encoding'],
              response.statusCode,
              req,
            ),
          };
        };
        return await endedBy(deadline.signal, exchange());
      } catch (error) {
        if (error instanceof HttpClientError) throw error;
        // Ended by the caller: its own reason, as fetch rejects.
        if (endedByCaller(deadline, req.signal)) throw req.signal?.reason;
        // Cut by close(), or refused by the closing pool: not the server's failure. (A request that
        // timed out or failed on its own during the grace period says so.)
        if (
          (cut.signal.aborted && deadline.signal.reason === cut.signal.reason) ||
          error instanceof undiciErrors.ClientClosedError ||
          error instanceof undiciErrors.ClientDestroyedError
        )
          throw closedClient(req.url, error);
        if (error instanceof undiciErrors.ConnectTimeoutError) {
          // Before the request's own deadline: say what took too long, not that the deadline passed.
          throw new HttpClientError(
            'ERR_RS_HTTP_TIMEOUT',
            `${shownUrl(req.url)} did not complete a connection within ${CONNECT_TIMEOUT_MS} ms`,
            { cause: error },
          );
        }
        const name = (error as { name?: string | undefined }).name;
        if (name === 'TimeoutError' || name === 'AbortError') {
          throw new HttpClientError(
            'ERR_RS_HTTP_TIMEOUT',
            `${shownUrl(req.url)} did not answer within ${req.timeoutMs} ms`,
            { cause: error },
          );
        }
        throw new HttpClientError('ERR_RS_HTTP_NETWORK', networkFailureMessage(req.url, error), {
          cause: withoutUnparsedBytes(error),
        });
      } finally {
        deadline.clear();
        connectionAttempts.requestEnded();
      }
    },
    close: () => {
      closed = true;
      connectionAttempts.abandon();
      closing ??= closeWithin(dispatcher, cut, CLOSE_GRACE_MS);
      return closing;
    },
  };
}

const TLS_OPTION = 'undiciHttpClient.tls';

/**
 * The blocks Node's TLS trusts in `ca`: it reads them with OpenSSL's `PEM_read_bio_X509_AUX`, which takes
 * these three labels and passes over the others. `TRUSTED CERTIFICATE` is what `openssl x509 -trustout`
 * writes, and what Fedora's and RHEL's `ca-bundle.trust.crt` holds.
 */
const CA_CERTIFICATE_LABELS: ReadonlySet<string> = new Set([
  'CERTIFICATE',
  'TRUSTED CERTIFICATE',
  'X509 CERTIFICATE',
]);

/**
 * Refuses TLS options that would fail every connection, or present no certificate, at start-up: the
 * TLS context is built only when the first connection is made, and Node's own checks pass some mistakes
 * over (a `ca` that holds no certificate trusts nothing; a key that is not the certificate's is dropped
 * without a word). Messages name the option, never what it holds.
 */
function checkTlsOptions(tls: NonNullable<UndiciHttpClientOptions['tls']>): void {
  requireOption(
    (tls.cert === undefined) === (tls.key === undefined),
    TLS_OPTION,
    tls.cert === undefined
      ? 'has a key but no cert: give the client certificate with its key'
      : 'has a cert but no key: give the private key of the client certificate with it',
  );
  if (tls.ca !== undefined) {
    const scan = pemBlocks(pemText(tls.ca));
    if (!scan.ok) throw new RsConfigError(`${TLS_OPTION}.ca`, scan.problem);
    const authorities = scan.blocks.filter(({ label }) => CA_CERTIFICATE_LABELS.has(label));
    requireOption(authorities.length > 0, `${TLS_OPTION}.ca`, 'holds no PEM certificate');
    for (const { text } of authorities) readCertificate(text, `${TLS_OPTION}.ca`);
  }
  if (tls.cert !== undefined && tls.key !== undefined) {
    const certificate = readCertificate(tls.cert, `${TLS_OPTION}.cert`);
    let key: KeyObject;
    try {
      key = createPrivateKey({ key: tls.key, format: 'pem' });
    } catch {
      throw new RsConfigError(
        `${TLS_OPTION}.key`,
        'is not a PEM private key that can be read (an encrypted key cannot be used: there is no password option)',
      );
    }
    requireOption(
      certificate.checkPrivateKey(key),
      TLS_OPTION,
      'the certificate (the first in cert) is not the one of the private key in key',
    );
  }
  try {
    createSecureContext({ ...tls });
  } catch (error) {
    // OpenSSL's code names the problem; its message is not repeated.
    const code = (error as { code?: unknown }).code;
    throw new RsConfigError(
      TLS_OPTION,
      `cannot be used for TLS${typeof code === 'string' && /^ERR_[A-Z0-9_]+$/.test(code) ? ` (${code})` : ''}`,
      { cause: error },
    );
  }
}

/** The first certificate of `pem`, or an {@link RsConfigError} naming `option`. */
function readCertificate(pem: string | Uint8Array, option: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new RsConfigError(option, 'holds a certificate that cannot be read (PEM is expected)');
  }
}

function pemText(value: string | Uint8Array): string {
  return typeof value === 'string' ? value : Buffer.from(value).toString('latin1');
}

/**
 * `connector`, with each socket it opens left out of what keeps the process alive until it is connected
 * (TLS handshake included). A connection attempt is the pool's, not a request's: when the request that
 * started it gives up first (its own deadline), undici lets the attempt run to the connect timeout, and a
 * server that never completes the handshake would hold the process that long after its last request
 * ended. A request still waiting is kept alive by its own deadline timer meanwhile. Once connected, the
 * socket is held again, before undici looks at it: undici releases idle connections itself. Each attempt
 * is also handed to `attempts`, which ends those no request waits for (see {@link ConnectionAttempts}).
 */
function unheldWhileConnecting(
  connector: Undici.buildConnector.connector,
  attempts: ConnectionAttempts,
): Undici.buildConnector.connector {
  return (options, callback) => {
    // Undici's connector returns the socket it opened, though its type says nothing of it.
    const socket: unknown = (connector as (...args: Parameters<typeof connector>) => unknown)(
      options,
      callback,
    );
    if (!(socket instanceof Socket) || !socket.connecting) return;
    socket.unref();
    attempts.add(socket);
    socket.prependOnceListener(socket instanceof TLSSocket ? 'secureConnect' : 'connect', () => {
      attempts.delete(socket);
      socket.ref();
    });
    socket.once('close', () => attempts.delete(socket));
  };
}

/**
 * The client's connections still being opened, and how many requests are under way. An unref'd socket
 * stops holding the process only once TCP is up: a TCP connect the server never answers (its accept
 * queue full) holds the event loop whatever the socket says, for the whole connect timeout. So an attempt
 * no request waits for any more is abandoned: when the last request under way ends (answered or given
 * up), and when the client is closed. A flood of requests against such a server keeps its attempts
 * while requests keep coming; each ends at the connect timeout at the latest.
 */
class ConnectionAttempts {
  readonly #connecting = new Set<Socket>();
  #requests = 0;

  add(socket: Socket): void {
    this.#connecting.add(socket);
  }

  delete(socket: Socket): void {
    this.#connecting.delete(socket);
  }

  requestStarted(): void {
    this.#requests++;
  }

  requestEnded(): void {
    this.#requests--;
    if (this.#requests === 0) this.abandon();
  }

  /** Ends every attempt still connecting: undici sees a failed connection, which no request awaits. */
  abandon(): void {
    for (const socket of this.#connecting) socket.destroy();
    this.#connecting.clear();
  }
}

/** `Agent.close()` waits for requests under way, forever when a server hangs: cut them after `graceMs`. */
async function closeWithin(dispatcher: Undici.Agent, cut: AbortController, graceMs: number): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const graceOver = new Promise<'grace over'>((resolve) => {
    timer = setTimeout(() => resolve('grace over'), graceMs);
  });
  const closing = dispatcher.close().then(() => 'closed' as const);
  // Settles after a destroy() too; its outcome no longer matters then.
  closing.catch(() => undefined);
  const first = await Promise.race([closing, graceOver]);
  clearTimeout(timer);
  if (first === 'grace over') {
    cut.abort(new Error('the HTTP client was closed'));
    await dispatcher.destroy();
  }
}

/**
 * `exchange`, or the abort reason of `signal` as soon as it aborts, whichever comes first. Undici acts on
 * an abort only once the request has a connection: one waiting for a connection of a full pool would
 * otherwise wait for one to come free, long after its deadline. Undici still drops the request when it
 * gets one (it sees the abort then and never sends it); what `exchange` settles with then is ignored, and
 * its body, if any, was already read or destroyed by the abort.
 */
function endedBy<T>(signal: AbortSignal, exchange: Promise<T>): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const abandon = (): void => reject(signal.reason);
    if (signal.aborted) abandon();
    else signal.addEventListener('abort', abandon, { once: true });
    exchange.then(resolve, reject).finally(() => signal.removeEventListener('abort', abandon));
  });
}

/**
 * The body as the server meant it. It was asked for `identity`, but a server may encode all the same (a
 * CDN, a proxy in front of it); `fetch` inflates gzip, deflate and br whatever it asked, so this client
 * does too, bounded as `fetch` is: what it inflates to counts against `maxResponseBytes`. The inflating
 * runs on libuv's thread pool, not the event loop: the request's deadline still fires meanwhile. An empty
 * body has nothing to inflate; an error answer whose body cannot be read keeps its status, as with `fetch`
 * (its body is no JSON a caller reads). The header is the server's text and is never quoted.
 */
async function decodedBody(
  body: Uint8Array,
  header: string | string[] | undefined,
  status: number,
  req: HttpRequest,
): Promise<Uint8Array> {
  if (body.byteLength === 0 || header === undefined) return body;
  // Codings in the order they were applied (RFC 9110 §8.4): undone from the last.
  const codings = contentCodings(Array.isArray(header) ? header.join(',') : header);
  const readable =
    codings.length <= MAX_CODINGS && codings.every((coding) => Object.hasOwn(INFLATERS, coding));
  const answered = status >= 200 && status < 300;
  if (!readable) {
    if (!answered) return body;
    throw new HttpClientError(
      'ERR_RS_HTTP_NETWORK',
      `${shownUrl(req.url)} answered in a content coding other than identity, gzip, deflate or br`,
    );
  }
  let decoded = body;
  try {
    for (const coding of codings.reverse()) decoded = await INFLATERS[coding]!(decoded, req.maxResponseBytes);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw responseTooLarge(req);
    if (!answered) return body;
    throw new HttpClientError(
      'ERR_RS_HTTP_NETWORK',
      `${shownUrl(req.url)} answered a body that does not decode`,
      {
        cause: error,
      },
    );
  }
  return decoded;
}

// More codings stacked than any server applies: `gzip, gzip` is seen, three rounds is enough.
const MAX_CODINGS = 3;

type Inflater = (body: Uint8Array, maxBytes: number) => Promise<Uint8Array>;

const gunzipBounded = promisify<InputType, ZlibOptions, Buffer>(gunzip);
const brotliBounded = promisify<InputType, BrotliOptions, Buffer>(brotliDecompress);
const inflateBounded = promisify<InputType, ZlibOptions, Buffer>(inflate);
const inflateRawBounded = promisify<InputType, ZlibOptions, Buffer>(inflateRaw);

const INFLATERS: Readonly<Record<string, Inflater>> = {
  gzip: (body, maxBytes) => gunzipBounded(body, { maxOutputLength: maxBytes }),
  'x-gzip': (body, maxBytes) => gunzipBounded(body, { maxOutputLength: maxBytes }),
  br: (body, maxBytes) => brotliBounded(body, { maxOutputLength: maxBytes }),
  // RFC 9110 §8.4.1.2: zlib-wrapped; some servers send it raw, which browsers and fetch accept too.
  deflate: (body, maxBytes) =>
    inflateBounded(body, { maxOutputLength: maxBytes }).catch((error: unknown) => {
      if ((error as { code?: unknown }).code === 'ERR_BUFFER_TOO_LARGE') throw error;
      return inflateRawBounded(body, { maxOutputLength: maxBytes });
    }),
};

function closedClient(url: string, cause?: unknown): HttpClientError {
  return new HttpClientError('ERR_RS_HTTP_CLOSED', `${shownUrl(url)}: the HTTP client was closed`, { cause });
}
