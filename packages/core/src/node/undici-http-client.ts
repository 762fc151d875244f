import type * as Undici from 'undici';
import {
  checkOptions,
  type OptionSchema,
  positiveInteger,
  shape,
  stringOrBytes,
  timerMilliseconds,
} from '../config/option-schema.js';
import { concat } from '../http/bounded-stream.js';
import {
  type HttpClient,
  HttpClientError,
  type HttpRequest,
  type HttpResponse,
} from '../http/http-client.js';
import { requestDeadline } from '../http/request-deadline.js';
import { loadOptionalPeer } from './optional-peer.js';

/** Options of {@link undiciHttpClient}. */
export interface UndiciHttpClientOptions {
  /** Connections kept per origin. Default 16. */
  readonly connections?: number;
  /** How long an idle connection stays open, in ms. Default 30 s. */
  readonly keepAliveTimeout?: number;
  /** TLS options for the connection to the authorization server (CA, client certificate and key). */
  readonly tls?: {
    readonly ca?: string | Buffer;
    readonly cert?: string | Buffer;
    readonly key?: string | Buffer;
  };
}

// How long close() lets requests under way finish before it cuts their connections.
const CLOSE_GRACE_MS = 1_000;

/** An {@link HttpClient} with connections to let go of. */
export interface ClosableHttpClient extends HttpClient {
  /**
   * Closes every connection: idle ones at once, busy ones when their request ends or, after a grace
   * period of 1 s, by cutting them (their requests fail). Leaves no socket or timer behind.
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
 * dependency of `@rs/core`: without it this throws `MissingPackageError` (`npm install undici`).
 *
 * @example
 * ```ts
 * import { undiciHttpClient } from '@rs/core/node';
 * remoteJwks({ url, httpClient: undiciHttpClient() });
 * ```
 */
export function undiciHttpClient(options: UndiciHttpClientOptions = {}): ClosableHttpClient {
  checkOptions(options, UNDICI_HTTP_CLIENT_OPTIONS, 'undiciHttpClient');
  const {
    Agent,
    request,
    errors: undiciErrors,
  } = loadOptionalPeer<typeof Undici>('undici', 'undiciHttpClient');
  const dispatcher = new Agent({
    connections: options.connections ?? 16,
    keepAliveTimeout: options.keepAliveTimeout ?? 30_000,
    connect: options.tls === undefined ? undefined : { ...options.tls },
  });
  // Aborts every request under way when close() cuts connections: destroying the agent alone leaves a
  // request that is waiting for response headers pending.
  const cut = new AbortController();
  return {
    async send(req: HttpRequest): Promise<HttpResponse> {
      const deadline = requestDeadline(req.timeoutMs, cut.signal);
      try {
        const response = await request(req.url, {
          method: req.method,
          headers: req.headers,
          body: req.body,
          dispatcher,
          signal: deadline.signal,
        });
        const declared = Number(response.headers['content-length']);
        if (Number.isFinite(declared) && declared > req.maxResponseBytes) {
          // Destroying an unread undici body emits an "aborted" error; without a listener it would be an
          // uncaught exception that takes the process down.
          response.body.on('error', () => {}).destroy();
          throw tooLarge(req.maxResponseBytes);
        }
        const chunks: Uint8Array[] = [];
        let size = 0;
        for await (const chunk of response.body) {
          size += (chunk as Buffer).byteLength;
          if (size > req.maxResponseBytes) {
            response.body.destroy();
            throw tooLarge(req.maxResponseBytes);
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
          body: concat(chunks, size),
        };
      } catch (error) {
        if (error instanceof HttpClientError) throw error;
        const name = (error as { name?: string }).name;
        if (
          name === 'TimeoutError' ||
          name === 'AbortError' ||
          error instanceof undiciErrors.ConnectTimeoutError
        ) {
          throw new HttpClientError(
            'ERR_RS_HTTP_TIMEOUT',
            `${req.url} did not answer within ${req.timeoutMs} ms`,
            { cause: error },
          );
        }
        throw new HttpClientError('ERR_RS_HTTP_NETWORK', `${req.url} could not be reached`, { cause: error });
      } finally {
        deadline.clear();
      }
    },
    close: () => closeWithin(dispatcher, cut, CLOSE_GRACE_MS),
  };
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

function tooLarge(maxBytes: number): HttpClientError {
  return new HttpClientError('ERR_RS_HTTP_TOO_LARGE', `response body exceeds ${maxBytes} bytes`);
}
