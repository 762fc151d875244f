import { ownClaim } from '../claims/own-claim.js';
import {
  boolean,
  checkOptions,
  func,
  integerBetween,
  type OptionSchema,
  objectWith,
  timerMilliseconds,
  urlString,
} from '../config/option-schema.js';
import { shownUrl } from '../config/shown-url.js';
import { MAX_DOCUMENT_DEPTH, parseBoundedJsonDocument } from '../encoding/bounded-json.js';
import { isObject } from '../encoding/json-object.js';
import { defaultHttpClient } from '../http/default-http-client.js';
import { validateEndpointUrl } from '../http/endpoint-url.js';
import { headerFields } from '../http/header-field.js';
import { type HttpClient, HttpClientError } from '../http/http-client.js';
import { refusedCertificateAlong } from '../http/network-failure.js';
import { sendWithinDeadline } from '../http/send-within-deadline.js';
import { isTransientStatus } from '../http/transient-status.js';
import { misconfigurationReporter } from '../observability/misconfiguration-reporter.js';
import { callUserHook } from '../observability/user-hook.js';
import { requireSecurityEventReceiver } from './push-delivery.js';
import { SecurityEventPollError } from './security-event-poll-error.js';
import type { SecurityEventReceiver } from './security-event-receiver.js';
import { MIN_SET_LENGTH, SetCheckUnavailableError, type SetErrorCode } from './security-event-token.js';

/** Options of {@link securityEventPoller}. Durations in milliseconds. */
export interface SecurityEventPollerOptions {
  /** The transmitter's polling endpoint (configured, never taken from a SET). */
  readonly endpoint: string;
  /** Verifies each SET polled and acts on it (a {@link securityEventReceiver}). */
  readonly receiver: SecurityEventReceiver;
  /** Headers of every poll, such as the `authorization` the transmitter requires. */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /** `maxEvents` asked for per poll. Default 25. */
  readonly maxEvents?: number | undefined;
  /**
   * `false` (default): long polling, the transmitter holds the request until it has SETs; an answer without
   * SETs that comes back sooner than `interval` is followed by the next poll only once `interval` is up.
   */
  readonly returnImmediately?: boolean | undefined;
  /**
   * Longest wait for one poll's answer; above the transmitter's long-poll hold. Default 35 s; from 1 ms
   * to 2 147 483 647 ms (about 24.8 days, the longest a timer waits).
   */
  readonly timeout?: number | undefined;
  /**
   * Pause between polls when nothing came (short polling), least time between the starts of two long
   * polls answered without SETs, and pause after a failure. Default 5 s; same range.
   */
  readonly interval?: number | undefined;
  /** Largest answer read, in whole bytes. Default 1 MiB; from 200 (the shortest SET) to 64 MiB. */
  readonly maxResponseBytes?: number | undefined;
  /** The HTTP client. Default: on Node with `undici` installed, one pooled undici client; else `fetch`. */
  readonly httpClient?: HttpClient | undefined;
  /**
   * Told of failed polls: a {@link SecurityEventPollError} when the transmitter answered something
   * unusable, an `HttpClientError` when the exchange failed (timeout, network), a
   * `SetCheckUnavailableError` for a SET kept for the next poll. Polling goes on, except after a poll the
   * HTTP client refused as closed (`ERR_RS_HTTP_CLOSED`, at shutdown): it stays closed, so polling ends
   * there. Default: misconfigurations (`ERR_RS_SET_POLL_MISCONFIGURED`: the endpoint answered 404, 401,
   * 403, another 4xx or a permanent redirect, a wrong URL or refused credentials that polling again will
   * not mend), and a TLS certificate the client refused, are written to `console.error` at most once a
   * minute; the rest is not written. Giving
   * `onError` replaces the default: yours is told of everything, and nothing is written.
   */
  readonly onError?: ((error: unknown) => void) | undefined;
}

// 64 MiB: 64 times the default, a thousand SETs (the most `maxEvents` asks for) of 64 KiB each.
const MAX_POLL_RESPONSE_BYTES = 64 * 1024 * 1024;

const SECURITY_EVENT_POLLER_OPTIONS: OptionSchema<SecurityEventPollerOptions> = {
  endpoint: urlString,
  receiver: objectWith('a securityEventReceiver', 'receive'),
  headers: headerFields,
  maxEvents: integerBetween(1, 1000),
  returnImmediately: boolean,
  timeout: timerMilliseconds,
  interval: timerMilliseconds,
  // An answer shorter than the shortest SET could carry none.
  maxResponseBytes: integerBetween(MIN_SET_LENGTH, MAX_POLL_RESPONSE_BYTES),
  httpClient: objectWith('an HTTP client such as undiciHttpClient()', 'send'),
  onError: func,
};

/** What one poll did. */
export interface PollResult {
  /** SETs verified and acted on (acknowledged at the next poll). */
  readonly received: number;
  /** SETs refused (reported in `setErrs` at the next poll). */
  readonly refused: number;
  /** SETs that could not be checked now: neither acknowledged nor refused, so the transmitter sends them again. */
  readonly deferred: number;
  /** The transmitter said it holds more SETs (`moreAvailable`): the next poll follows at once. */
  readonly moreAvailable: boolean;
}

/** Polls one transmitter (RFC 8936) and hands the SETs to a receiver. */
export interface SecurityEventPoller {
  /** One poll: sends the pending acknowledgements and errors, receives the SETs that come back. */
  pollOnce(): Promise<PollResult>;
  /**
   * Polls in the background until {@link stop}; does nothing while already polling. Called while a
   * `stop()` is still under way, it polls again once that stop is over.
   */
  start(): void;
  /**
   * Stops polling: ends the poll under way at once through its `signal` (with an HTTP client of your own
   * that ignores `HttpRequest.signal`, it waits for that poll's answer or its `timeout` instead), then
   * sends the acknowledgements and errors still pending in a last poll asking for nothing
   * (`maxEvents: 0`), waiting for it at most `timeout` or 5 s, whichever is shorter. When that last poll
   * fails, `onError` is told and they stay pending, for the next poll or `stop()`; when `start()` was
   * called again meanwhile, they go with its first poll instead. Resolves once the polling it stopped is
   * over; never rejects.
   *
   * `start()` and `stop()` may be called in any order, awaited or not: the poller ends as the last call
   * asked, polling after a `start()`, stopped after a `stop()`, and its polling never has two polls under
   * way at once.
   */
  stop(): Promise<void>;
}

// The longest stop() waits for the last acknowledgements (when `timeout` is not shorter): a transmitter
// that does not answer them at once will not answer them at all, and shutdown should not wait for it.
const LAST_ACKNOWLEDGEMENTS_TIMEOUT_MS = 5_000;

/**
 * Poll delivery of Security Event Tokens (RFC 8936): POSTs `{ ack, setErrs, maxEvents, returnImmediately }`
 * to the transmitter, verifies each SET of the answer's `sets` with the receiver, and acknowledges it
 * (`ack`) or reports why it was refused (`setErrs`) in the next poll. A SET already received is
 * acknowledged again (its earlier acknowledgement was lost). While `moreAvailable`, it polls again at once.
 */
export function securityEventPoller(options: SecurityEventPollerOptions): SecurityEventPoller {
  checkOptions(options, SECURITY_EVENT_POLLER_OPTIONS, 'securityEventPoller');
  const endpoint = validateEndpointUrl(options.endpoint, 'securityEventPoller.endpoint').href;
  requireSecurityEventReceiver(options.receiver, 'securityEventPoller.receiver');
  const maxEvents = options.maxEvents ?? 25;
  const timeout = options.timeout ?? 35_000;
  const interval = options.interval ?? 5_000;
  const maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
  const http = options.httpClient ?? defaultHttpClient();
  const onError = options.onError ?? loudMisconfigurationReporter();
  // Where failures say the transmitter answered: never with the query, which may carry a secret.
  const shownEndpoint = shownUrl(endpoint);
  let acks: string[] = [];
  let setErrs = noSetErrors();
  // The polling the last start() began, until a stop() ends it: aborting it ends its loop and its poll.
  let polling: AbortController | undefined;
  // Settles once every polling begun and every stop() asked so far is over. Each start() and stop() chains
  // its work after it, so that one loop at most runs at a time, in the order the calls came.
  let settled: Promise<void> = Promise.resolve();

  /**
   * Tells `onError`; polling goes on whatever the handler does (throws, or rejects when it is `async`: a
   * failing handler must not stop the polling or the stop, nor leave an unhandled rejection).
   */
  function report(error: unknown): void {
    callUserHook(onError, error);
  }

  /**
   * POSTs `fields` with the pending acknowledgements and errors, which are taken out meanwhile (a poll
   * running alongside does not send them again) and put back when the exchange fails.
   */
  async function deliver(
    fields: { maxEvents: number; returnImmediately: boolean },
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<Record<string, unknown>> {
    const sentAcks = acks;
    const sentErrs = setErrs;
    const request: Record<string, unknown> = { ...fields };
    if (sentAcks.length > 0) request.ack = sentAcks;
    if (Object.keys(sentErrs).length > 0) request.setErrs = sentErrs;
    acks = [];
    setErrs = noSetErrors();
    try {
      // Held to `timeout` whatever the client does: a custom one that never settles would stop the polling.
      // A stop() aborts the signal for the client to heed; one that does not is waited for, as before.
      const response = await sendWithinDeadline(
        http,
        {
          method: 'POST',
          url: endpoint,
          headers: { ...options.headers, 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify(request),
          timeoutMs,
          maxResponseBytes,
          signal,
        },
        { givenUpOnAbort: false },
      );
      if (response.status !== 200) throw pollStatusError(response.status, shownEndpoint);
      return pollAnswer(response.body, shownEndpoint);
    } catch (error) {
      // Not delivered: sent again with the next poll.
      acks = [...sentAcks, ...acks];
      setErrs = Object.assign(noSetErrors(), sentErrs, setErrs);
      throw error;
    }
  }

  async function poll(signal?: AbortSignal): Promise<PollResult> {
    const answer = await deliver(
      { maxEvents, returnImmediately: options.returnImmediately ?? false },
      timeout,
      signal,
    );
    // Own members only, as ownClaim reads them: a `moreAvailable` inherited from a polluted
    // Object.prototype would have the poller call the transmitter again at once, without end.
    const sets = ownClaim(answer, 'sets') ?? {};
    if (!isObject(sets) || Object.keys(sets).length > maxEvents)
      throw new SecurityEventPollError(
        'ERR_RS_SET_POLL_FAILED',
        `The transmitter answered the poll with a malformed or oversized "sets" (polling endpoint ${shownEndpoint})`,
      );
    let received = 0;
    let refused = 0;
    let deferred = 0;
    for (const [jti, jwt] of Object.entries(sets)) {
      if (typeof jwt !== 'string') {
        setErrs[jti] = { err: 'invalid_request', description: 'The SET is not a string' };
        refused++;
        continue;
      }
      try {
        const receipt = await options.receiver.receive(jwt);
        if (receipt.ok && receipt.jti === jti) {
          acks.push(jti);
          received++;
        } else if (!receipt.ok && receipt.refusal.duplicate) {
          acks.push(jti);
        } else {
          setErrs[jti] = receipt.ok
            ? { err: 'invalid_request', description: 'The SET jti is not its key in "sets"' }
            : { err: receipt.refusal.err, description: receipt.refusal.description };
          refused++;
        }
      } catch (error) {
        if (!(error instanceof SetCheckUnavailableError)) throw error;
        deferred++;
        report(error);
      }
    }
    return { received, refused, deferred, moreAvailable: ownClaim(answer, 'moreAvailable') === true };
  }

  /** Polls until `stopped` aborts; never throws. */
  async function loop(stopped: AbortSignal): Promise<void> {
    while (!stopped.aborted) {
      try {
        const startedAt = performance.now();
        const result = await poll(stopped);
        const empty = result.received + result.refused + result.deferred === 0;
        if (options.returnImmediately === true) {
          if (empty || !result.moreAvailable) await pause(interval, stopped);
        } else if (empty) {
          // A long poll answered without SETs before `interval` was up: the transmitter did not hold it
          // (or said more was available and sent none). Asked again at once, it would be polled thousands
          // of times a second; a long poll it did hold that long is followed by the next at once.
          await pause(interval - (performance.now() - startedAt), stopped);
        }
      } catch (error) {
        // A poll that stop() ended is no failure.
        if (stopped.aborted && error === stopped.reason) return;
        report(error);
        // A closed client stays closed (as nothing else retries it): polling it every `interval` would
        // only tell onError so, without end, and its pauses would keep a process that shut down alive.
        if (error instanceof HttpClientError && error.code === 'ERR_RS_HTTP_CLOSED') return;
        await pause(interval, stopped);
      }
    }
  }

  /** The last acknowledgements, asking for nothing more (RFC 8936 section 2.4); never throws. */
  async function sendLastAcknowledgements(): Promise<void> {
    if (acks.length === 0 && Object.keys(setErrs).length === 0) return;
    try {
      await deliver(
        { maxEvents: 0, returnImmediately: true },
        Math.min(timeout, LAST_ACKNOWLEDGEMENTS_TIMEOUT_MS),
        undefined,
      );
    } catch (error) {
      report(error);
    }
  }

  return {
    pollOnce: () => poll(),
    start() {
      if (polling !== undefined) return;
      const run = new AbortController();
      polling = run;
      settled = settled
        .then(() => loop(run.signal))
        .then(() => {
          // Ended by itself (its client closed): a later start() polls again.
          if (polling === run) polling = undefined;
        });
    },
    stop() {
      polling?.abort(new DOMException('The security event poller was stopped', 'AbortError'));
      polling = undefined;
      settled = settled.then(async () => {
        // A start() since: its polls carry the acknowledgements.
        if (polling === undefined) await sendLastAcknowledgements();
      });
      return settled;
    },
  };
}

/** Resolves after `ms`, or as soon as `stopped` aborts. */
function pause(ms: number, stopped: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (stopped.aborted || ms <= 0) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    stopped.addEventListener('abort', done, { once: true });
    function done(): void {
      clearTimeout(timer);
      stopped.removeEventListener('abort', done);
      resolve();
    }
  });
}

/**
 * The error for a poll answered with another status than 200. One that polling again will not mend (a
 * permanent redirect, which is never followed, or a 4xx other than 408 and 429: a wrong URL or refused
 * credentials) is a misconfiguration, written to `console.error` by default; "not now" (a 5xx, 408, 429,
 * a temporary redirect) is an outage that passes, as for introspection and JWK sets. So is a success
 * other than 200 (a transmitter's fault, not the configuration's), as introspection takes it.
 */
function pollStatusError(status: number, shownEndpoint: string): SecurityEventPollError {
  const answered = `The transmitter answered the poll with HTTP ${status} (polling endpoint ${shownEndpoint})`;
  if (status < 300 || isTransientStatus(status))
    return new SecurityEventPollError('ERR_RS_SET_POLL_FAILED', answered);
  const hint =
    status < 400
      ? 'a redirect, not followed: configure the final URL'
      : status === 401 || status === 403
        ? "check the credentials in the poller's headers"
        : "is this the transmitter's polling endpoint?";
  return new SecurityEventPollError('ERR_RS_SET_POLL_MISCONFIGURED', `${answered}: ${hint}`);
}

/**
 * The JSON object a transmitter answered a poll with. Its nesting is checked before it is parsed, as for
 * the other documents a server sends: `JSON.parse` would first build a document of any depth, and an
 * answer within the default 1 MiB can hold half a million nested arrays, which would stall every poll.
 * A real answer is two levels deep (`sets`, and its SETs).
 */
function pollAnswer(body: Uint8Array, shownEndpoint: string): Record<string, unknown> {
  const failed = (problem: string) =>
    new SecurityEventPollError(
      'ERR_RS_SET_POLL_FAILED',
      `The transmitter answered the poll with ${problem} (polling endpoint ${shownEndpoint})`,
    );
  const notAnObject = 'something other than a JSON object';
  const read = parseBoundedJsonDocument(body, MAX_DOCUMENT_DEPTH);
  if (!read.ok && read.problem === 'not-utf8') throw failed(`${notAnObject}: it is not UTF-8`);
  if (!read.ok && read.problem === 'too-deep')
    throw failed(`JSON that nests objects and arrays deeper than ${MAX_DOCUMENT_DEPTH} levels`);
  if (!read.ok || !isObject(read.value)) throw failed(notAnObject);
  return read.value;
}

/**
 * The `onError` of a poller given none: a misconfiguration (`ERR_RS_SET_POLL_MISCONFIGURED`) goes to
 * `console.error` at most once a minute, so that a wrong URL or refused credentials are not silent for
 * as long as the poller runs; an outage, which passes, is not written.
 */
function loudMisconfigurationReporter(): (error: unknown) => void {
  // A TLS certificate the client refused is no outage that passes either: written too.
  const report = misconfigurationReporter(
    'the security event poller is misconfigured',
    (error: Error) =>
      (error instanceof SecurityEventPollError && error.code === 'ERR_RS_SET_POLL_MISCONFIGURED') ||
      refusedCertificateAlong(error),
  );
  return (error) => {
    if (error instanceof Error) report(error);
  };
}

/** The SETs refused since the last poll, by jti. */
type SetErrors = Record<string, { err: SetErrorCode; description: string }>;

/**
 * An empty record of refused SETs, without a prototype: a jti is the transmitter's to choose, and one
 * named `__proto__` set on a plain object would replace its prototype rather than add an entry, and the
 * refusal would never be reported (the transmitter would deliver that SET again at every poll).
 */
function noSetErrors(): SetErrors {
  return Object.create(null) as SetErrors;
}
