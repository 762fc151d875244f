import { ERROR_CLASS_BRAND, RsError } from '../errors/rs-error.js';

/**
 * A poll the transmitter answered with something a poller cannot use, told to `securityEventPoller`'s
 * `onError` (and the rejection of `pollOnce()`), by stable `code`:
 * - `ERR_RS_SET_POLL_MISCONFIGURED`: the polling endpoint answered a status no retry mends (404, 401,
 *   403, another 4xx, a permanent redirect, which is never followed): a wrong URL or refused credentials;
 * - `ERR_RS_SET_POLL_FAILED`: an outage, or an answer that could not be read: a 5xx, 408, 429 or
 *   temporary redirect, a success other than 200, an answer that is not a UTF-8 JSON object, nests
 *   deeper than 32 levels, or whose `sets` is no object or holds more SETs than `maxEvents` asked for.
 *
 * The message names the polling endpoint (scheme, host and path: `?…` in place of a query, which may
 * hold a secret) and the status or the problem. A poll that failed in the exchange itself (timeout,
 * network, an answer over `maxResponseBytes`, a closed client) is an `HttpClientError` instead, which
 * names the URL.
 */
export class SecurityEventPollError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/core/SecurityEventPollError';
  override name = 'SecurityEventPollError';
  declare readonly code: 'ERR_RS_SET_POLL_MISCONFIGURED' | 'ERR_RS_SET_POLL_FAILED';

  constructor(code: SecurityEventPollError['code'], message: string, options?: { cause?: unknown }) {
    super(code, message, options);
  }
}
