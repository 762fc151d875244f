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
import { MAX_DOCUMENT_DEPTH, parseBoundedJson } from '../encoding/bounded-json.js';
import { isObject } from '../encoding/json-object.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { defaultHttpClient } from '../http/default-http-client.js';
import { validateEndpointUrl } from '../http/endpoint-url.js';
import { headerFields } from '../http/header-field.js';
import type { HttpClient } from '../http/http-client.js';
import { requireSecurityEventReceiver } from './push-delivery.js';
import type { SecurityEventReceiver } from './security-event-receiver.js';
import { MIN_SET_LENGTH, SetCheckUnavailableError, type SetErrorCode } from './security-event-token.js';

/** Options of {@link securityEventPoller}. Durations in milliseconds. */
export interface SecurityEventPollerOptions {
  /** The transmitter's polling endpoint (configured, never taken from a SET). */
  readonly endpoint: string;
  readonly receiver: SecurityEventReceiver;
  /** Headers of every poll, such as the `authorization` the transmitter requires. */
  readonly headers?: Readonly<Record<string, string>>;
  /** `maxEvents` asked for per poll. Default 25. */
  readonly maxEvents?: number;
  /** `false` (default): long polling, the transmitter holds the request until it has SETs. */
  readonly returnImmediately?: boolean;
  /**
   * Longest wait for one poll's answer; above the transmitter's long-poll hold. Default 35 s; from 1 ms
   * to 2 147 483 647 ms (about 24.8 days, the longest a timer waits).
   */
  readonly timeout?: number;
  /** Pause between polls when nothing came (short polling) or after a failure. Default 5 s; same range. */
  readonly interval?: number;
  /** Largest answer read, in whole bytes. Default 1 MiB; from 200 (the shortest SET) to 64 MiB. */
  readonly maxResponseBytes?: number;
  readonly httpClient?: HttpClient;
  /** Told of failed polls; polling goes on. */
  readonly onError?: (error: unknown) => void;
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
  readonly moreAvailable: boolean;
}

/** Polls one transmitter (RFC 8936) and hands the SETs to a receiver. */
export interface SecurityEventPoller {
  /** One poll: sends the pending acknowledgements and errors, receives the SETs that come back. */
  pollOnce(): Promise<PollResult>;
  /** Polls until {@link stop}. */
  start(): void;
  /** Stops polling, sends the acknowledgements still pending, and resolves once nothing is left running. */
  stop(): Promise<void>;
}

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
  let acks: string[] = [];
  let setErrs: Record<string, { err: SetErrorCode; description: string }> = {};
  let running: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  async function exchange(body: Record<string, unknown>): Promise<Record<string, unknown>> {
    const response = await http.send({
      method: 'POST',
      url: endpoint,
      headers: { ...options.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify(body),
      timeoutMs: timeout,
      maxResponseBytes,
    });
    if (response.status !== 200)
      throw new Error(`The transmitter answered the poll with HTTP ${response.status}`);
    return pollAnswer(response.body);
  }

  async function pollOnce(): Promise<PollResult> {
    const sentAcks = acks;
    const sentErrs = setErrs;
    const request: Record<string, unknown> = {
      maxEvents,
      returnImmediately: options.returnImmediately ?? false,
    };
    if (sentAcks.length > 0) request.ack = sentAcks;
    if (Object.keys(sentErrs).length > 0) request.setErrs = sentErrs;
    acks = [];
    setErrs = {};
    let answer: Record<string, unknown>;
    try {
      answer = await exchange(request);
    } catch (error) {
      // Not delivered: sent again with the next poll.
      acks = [...sentAcks, ...acks];
      setErrs = { ...sentErrs, ...setErrs };
      throw error;
    }
    const sets = answer.sets ?? {};
    if (!isObject(sets) || Object.keys(sets).length > maxEvents)
      throw new Error('The transmitter answered the poll with a malformed or oversized "sets"');
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
        options.onError?.(error);
      }
    }
    return { received, refused, deferred, moreAvailable: answer.moreAvailable === true };
  }

  function pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wake = undefined;
        resolve();
      }
      wake = done;
    });
  }

  async function loop(): Promise<void> {
    while (!stopping) {
      try {
        const result = await pollOnce();
        if (!result.moreAvailable && options.returnImmediately === true) await pause(interval);
      } catch (error) {
        try {
          options.onError?.(error);
        } catch {
          // Polling goes on whatever the handler does.
        }
        if (!stopping) await pause(interval);
      }
    }
  }

  return {
    pollOnce,
    start() {
      if (running !== undefined) return;
      stopping = false;
      running = loop();
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
      running = undefined;
      if (acks.length === 0 && Object.keys(setErrs).length === 0) return;
      // The last acknowledgements, asking for nothing more (RFC 8936 section 2.4).
      const body: Record<string, unknown> = { maxEvents: 0, returnImmediately: true };
      if (acks.length > 0) body.ack = acks;
      if (Object.keys(setErrs).length > 0) body.setErrs = setErrs;
      try {
        await exchange(body);
        acks = [];
        setErrs = {};
      } catch (error) {
        options.onError?.(error);
      }
    },
  };
}

const NOT_AN_OBJECT = 'The transmitter answered the poll with something other than a JSON object';

/**
 * The JSON object a transmitter answered a poll with. Its nesting is checked before it is parsed, as for
 * the other documents a server sends: `JSON.parse` would first build a document of any depth, and an
 * answer within the default 1 MiB can hold half a million nested arrays, which would stall every poll.
 * A real answer is two levels deep (`sets`, and its SETs).
 */
function pollAnswer(body: Uint8Array): Record<string, unknown> {
  let text: string;
  try {
    text = decodeUtf8(body);
  } catch {
    throw new Error(NOT_AN_OBJECT);
  }
  const read = parseBoundedJson(text, MAX_DOCUMENT_DEPTH);
  if (!read.ok && read.problem === 'too-deep')
    throw new Error(
      `The transmitter answered the poll with JSON that nests objects and arrays deeper than ${MAX_DOCUMENT_DEPTH} levels`,
    );
  if (!read.ok || !isObject(read.value)) throw new Error(NOT_AN_OBJECT);
  return read.value;
}
