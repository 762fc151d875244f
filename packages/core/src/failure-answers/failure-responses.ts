import { RsConfigError } from '../config/config-error.js';
import { isPlainObject } from '../config/option-schema.js';
import { FAILURES, type FailureCode } from '../errors/failure.js';
import type { Rejection } from '../errors/rejection.js';
import { FRAMING_HEADERS } from '../http/framing-and-credential-headers.js';
import { isHeaderName, isHeaderValue } from '../http/header-field.js';
import { misconfigurationReporter } from '../observability/misconfiguration-reporter.js';
import { asynchronousAnswer, isAsyncFunction, isThenable } from '../policy/synchronous-answer.js';

/**
 * The broad reasons a request is refused, as ForgeRock Identity Gateway's `failureHandler` and NGINX's
 * `errorReturnConditions` (`notSupplied`, `noMatch`) group them:
 * - `tokenMissing`: no credentials at all (401, bare challenge);
 * - `invalidRequest`: a malformed request (400 `invalid_request`);
 * - `invalidToken`: a token, certificate or DPoP proof that does not hold (401 `invalid_token` or
 *   `invalid_dpop_proof`);
 * - `insufficientScope`: a genuine token without the privilege (403 `insufficient_scope`);
 * - `insufficientUserAuthentication`: a genuine token from too weak or too old a login (401, RFC 9470);
 * - `unavailable`: the token could not be checked at all (503, no challenge).
 *
 * `use_dpop_nonce` belongs to none: the client needs that exact answer to retry with the nonce, so only
 * `byCode` can change it.
 */
export type FailureClass =
  | 'tokenMissing'
  | 'invalidRequest'
  | 'invalidToken'
  | 'insufficientScope'
  | 'insufficientUserAuthentication'
  | 'unavailable';

/** What an application sends instead of core's answer; each member absent keeps core's. */
export interface FailureResponse {
  /** The HTTP status, 400-599. Default: core's (401, 400, 403 or 503). */
  readonly status?: number | undefined;
  /**
   * Headers to add or replace (names case-insensitive, values without control characters).
   * `WWW-Authenticate` and `DPoP-Nonce` are core's and cannot be replaced here. Headers the HTTP server
   * writes for the message it sends are refused: `Content-Length`, `Transfer-Encoding`, `Connection`,
   * `Keep-Alive`, `Upgrade`, `TE`, `Trailer`, `Proxy-Connection`, and `Host` (a request header).
   */
  readonly headers?: Readonly<Record<string, string>> | undefined;
  /**
   * The body: a string is sent as is (`text/plain; charset=utf-8` unless `headers` give a
   * `content-type`), an object as JSON. Default: core's JSON body (`error`, `error_description`, `code`).
   * An object must hold JSON values only (strings, finite numbers, booleans, `null`, arrays and plain
   * objects, no cycle, nested at most 32 levels deep): a `BigInt`, a function, `undefined` or a `Date`
   * is refused at start-up rather than lost or thrown when a rejection is written. It is serialized once,
   * when checked: changing the object afterwards changes nothing sent.
   */
  readonly body?: string | Readonly<Record<string, unknown>> | undefined;
  /**
   * `false` drops the `WWW-Authenticate` challenge. Refused with status 401, which must carry one
   * (RFC 9110 §15.5.2). Default `true`.
   */
  readonly challenge?: boolean | undefined;
}

/**
 * A fixed answer, or one computed from the rejection (return `undefined` to keep core's). The function
 * must be synchronous: an `async` function (or async generator) is refused at start-up. A computed
 * answer that throws, returns a promise or breaks a rule of {@link FailureResponse} gets core's own
 * refusal sent instead, and the bug is written to `console.error` (at most once a minute).
 */
export type FailureAnswer = FailureResponse | ((rejection: Rejection) => FailureResponse | undefined);

/**
 * The resource server's `failureResponses` option: an answer per {@link FailureClass}, and per
 * {@link FailureCode} in `byCode` (which wins over the class). Status, headers and body change; the
 * rejection's `code`, `error` and challenge stay what core decided, so logs and metrics do not.
 *
 * @example
 * ```ts
 * const failureResponses: FailureResponses = {
 *   tokenMissing: { status: 410 },
 *   byCode: { certificate_missing: { status: 418, body: 'Failure in CertificateThumbprintFilter' } },
 * };
 * ```
 */
export interface FailureResponses {
  /** For a request without credentials (core: 401 with a bare challenge). Default core's answer. */
  readonly tokenMissing?: FailureAnswer | undefined;
  /** For a malformed request (core: 400 `invalid_request`). Default core's answer. */
  readonly invalidRequest?: FailureAnswer | undefined;
  /** For a token, certificate or DPoP proof that does not hold (core: 401). Default core's answer. */
  readonly invalidToken?: FailureAnswer | undefined;
  /** For a genuine token without the privilege (core: 403 `insufficient_scope`). Default core's answer. */
  readonly insufficientScope?: FailureAnswer | undefined;
  /** For a genuine token from too weak or too old a login (core: 401, RFC 9470). Default core's answer. */
  readonly insufficientUserAuthentication?: FailureAnswer | undefined;
  /** For a token that could not be checked at all (core: 503, no challenge). Default core's answer. */
  readonly unavailable?: FailureAnswer | undefined;
  /** Answers for single {@link FailureCode}s, which win over their class's. */
  readonly byCode?: { readonly [C in FailureCode]?: FailureAnswer | undefined } | undefined;
}

const CLASSES: readonly FailureClass[] = [
  'tokenMissing',
  'invalidRequest',
  'invalidToken',
  'insufficientScope',
  'insufficientUserAuthentication',
  'unavailable',
];
const CLASS_STATUS: Readonly<Record<FailureClass, number>> = {
  tokenMissing: 401,
  invalidRequest: 400,
  invalidToken: 401,
  insufficientScope: 403,
  insufficientUserAuthentication: 401,
  unavailable: 503,
};
const RESPONSE_KEYS = new Set(['status', 'headers', 'body', 'challenge']);
const CORE_HEADERS = new Set(['www-authenticate', 'dpop-nonce']);

/**
 * The class a failure code belongs to (see {@link FailureClass}); `undefined` for `dpop_nonce_required`.
 *
 * @example
 * ```ts
 * failureClassOf('token_expired'); // 'invalidToken'
 * ```
 */
export function failureClassOf(code: FailureCode): FailureClass | undefined {
  const { status, error } = FAILURES[code];
  if (status >= 500) return 'unavailable';
  switch (error) {
    case undefined:
      return 'tokenMissing';
    case 'invalid_request':
      return 'invalidRequest';
    case 'invalid_token':
    case 'invalid_dpop_proof':
      return 'invalidToken';
    case 'insufficient_scope':
      return 'insufficientScope';
    case 'insufficient_user_authentication':
      return 'insufficientUserAuthentication';
    default:
      return undefined;
  }
}

/**
 * Checks the `failureResponses` option at start-up and returns what applies it to each rejection
 * (the identity when nothing is configured).
 *
 * A fixed answer is checked and copied here: what is sent is what was checked, whatever the application
 * changes in the option later. A computed answer is checked each time it answers; one that throws,
 * returns a promise or breaks a rule is a bug in the application, not something the client did, so the
 * request gets core's own refusal for its failure (never a pass, never an exception out of
 * `authenticate()`) and the bug is reported through `console.error`, at most once a minute.
 */
export function failureResponder(
  option: FailureResponses | undefined,
  path = 'failureResponses',
): (rejection: Rejection) => Rejection {
  if (option === undefined) return (rejection) => rejection;
  if (!isPlainObject(option)) throw new RsConfigError(path, 'must be an object of failure answers');
  const byClass = new Map<FailureClass, SettledAnswer>();
  for (const key of Object.keys(option)) {
    if (key === 'byCode') continue;
    if (!CLASSES.includes(key as FailureClass)) {
      throw new RsConfigError(`${path}.${key}`, `unknown failure class; use one of ${CLASSES.join(', ')}`);
    }
    const answer = settleAnswer(
      option[key as FailureClass],
      `${path}.${key}`,
      CLASS_STATUS[key as FailureClass],
    );
    if (answer !== undefined) byClass.set(key as FailureClass, answer);
  }
  const byCodeOption: unknown = option.byCode ?? {};
  if (!isPlainObject(byCodeOption))
    throw new RsConfigError(`${path}.byCode`, 'must be an object keyed by failure code');
  const byCode = new Map<FailureCode, SettledAnswer>();
  for (const [code, answer] of Object.entries(byCodeOption)) {
    if (!Object.hasOwn(FAILURES, code))
      throw new RsConfigError(`${path}.byCode.${code}`, 'unknown failure code');
    const settled = settleAnswer(answer, `${path}.byCode.${code}`, FAILURES[code as FailureCode].status);
    if (settled !== undefined) byCode.set(code as FailureCode, settled);
  }
  const report = misconfigurationReporter<RsConfigError>(
    "a failure answer is misconfigured, core's answer was sent",
    () => true,
  );
  return (rejection) => {
    const classOf = failureClassOf(rejection.code);
    const answer = byCode.get(rejection.code) ?? (classOf === undefined ? undefined : byClass.get(classOf));
    if (answer === undefined) return rejection;
    if (answer.kind === 'fixed') return applyResponse(rejection, answer.response);
    const computedPath = `${answer.path} (computed for ${rejection.code})`;
    try {
      const computed: unknown = answer.compute(rejection);
      if (computed === undefined) return rejection;
      if (isThenable(computed)) {
        throw asynchronousAnswer(
          computed,
          computedPath,
          'the failure answer',
          'a failure response or undefined',
        );
      }
      return applyResponse(rejection, settleResponse(computed, computedPath, rejection.status));
    } catch (error) {
      // Fail closed without failing the request: core's refusal is still a refusal.
      report(
        error instanceof RsConfigError ? error : new RsConfigError(computedPath, `threw ${errorKind(error)}`),
      );
      return rejection;
    }
  };
}

/**
 * The deepest a failure answer's object `body` may be nested: the body itself is level 1, each object
 * or array in it one more. An error body is small; a deeper one is a mistake, and checking or
 * serializing it without a bound could exhaust the stack.
 */
const MAX_FAILURE_BODY_DEPTH = 32;

/** Why a computed failure answer declared `async` is refused when configured. */
const SYNCHRONOUS_ANSWER =
  'must be synchronous, returning a failure response or undefined: an async function returns a promise ' +
  '(an async generator an iterator of promises), which is no answer';

/** A failure response as checked: headers in lower case, the body as the text to send. */
interface SettledResponse {
  readonly status: number | undefined;
  readonly headers: readonly (readonly [name: string, value: string])[];
  readonly bodyText: string | undefined;
  /** `text/plain; charset=utf-8` for a string body, unless `headers` give a content type. */
  readonly textBody: boolean;
  readonly challenge: boolean;
}

type SettledAnswer =
  | { readonly kind: 'fixed'; readonly response: SettledResponse }
  | { readonly kind: 'computed'; readonly path: string; readonly compute: (rejection: Rejection) => unknown };

function settleAnswer(answer: unknown, path: string, coreStatus: number): SettledAnswer | undefined {
  if (answer === undefined) return undefined;
  if (typeof answer === 'function') {
    // Its promise (or async iterator) would be refused at every request: say so at start-up.
    if (isAsyncFunction(answer)) throw new RsConfigError(path, SYNCHRONOUS_ANSWER);
    return { kind: 'computed', path, compute: answer as (rejection: Rejection) => unknown };
  }
  return { kind: 'fixed', response: settleResponse(answer, path, coreStatus) };
}

/**
 * Checks a failure response and copies what it sends; throws an {@link RsConfigError} naming the member
 * at fault. Reading the response is application code too (a getter, a proxy): what it throws is turned
 * into an `RsConfigError` naming the response, never let out as is.
 */
function settleResponse(response: unknown, path: string, coreStatus: number): SettledResponse {
  return readAt(path, () => settleReadableResponse(response, path, coreStatus));
}

/** `read()`, with what it throws other than an `RsConfigError` turned into one naming `path`. */
function readAt<T>(path: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof RsConfigError) throw error;
    throw new RsConfigError(path, `could not be read: reading it threw ${errorKind(error)}`);
  }
}

function settleReadableResponse(response: unknown, path: string, coreStatus: number): SettledResponse {
  if (!isPlainObject(response))
    throw new RsConfigError(path, 'must be { status, headers, body } or a function');
  for (const key of Object.keys(response)) {
    if (!RESPONSE_KEYS.has(key)) throw new RsConfigError(`${path}.${key}`, 'unknown option');
  }
  const { status, headers, body, challenge } = response;
  if (
    status !== undefined &&
    !(Number.isInteger(status) && (status as number) >= 400 && (status as number) <= 599)
  ) {
    throw new RsConfigError(`${path}.status`, 'must be an integer from 400 to 599');
  }
  if (challenge !== undefined && typeof challenge !== 'boolean') {
    throw new RsConfigError(`${path}.challenge`, 'must be true or false');
  }
  // RFC 9110 §15.5.2: a 401 carries a challenge, and a 503 has none to carry.
  if ((status ?? coreStatus) === 401 && (challenge === false || coreStatus >= 500)) {
    throw new RsConfigError(`${path}.status`, 'a 401 answer must carry a WWW-Authenticate challenge');
  }
  let bodyText: string | undefined;
  if (typeof body === 'string') bodyText = body;
  else if (body !== undefined) {
    if (!isPlainObject(body)) throw new RsConfigError(`${path}.body`, 'must be a string or a plain object');
    // Serialized once, here, after the check: the body checked is the body sent, its depth bounded.
    bodyText = readAt(`${path}.body`, () => {
      checkJsonBody(body, `${path}.body`);
      return JSON.stringify(body);
    });
  }
  return {
    status: status as number | undefined,
    headers: readAt(`${path}.headers`, () => settleHeaders(headers, `${path}.headers`)),
    bodyText,
    textBody: typeof body === 'string',
    challenge: challenge !== false,
  };
}

function settleHeaders(headers: unknown, path: string): SettledResponse['headers'] {
  if (headers === undefined) return [];
  if (!isPlainObject(headers)) throw new RsConfigError(path, 'must be an object of strings');
  const settled: [string, string][] = [];
  for (const [name, value] of Object.entries(headers)) {
    if (!isHeaderName(name)) throw new RsConfigError(path, `"${name}" is not a header name`);
    const lowerName = name.toLowerCase();
    if (CORE_HEADERS.has(lowerName)) {
      throw new RsConfigError(`${path}.${name}`, 'is set by core from the failure and cannot be replaced');
    }
    if (FRAMING_HEADERS.has(lowerName)) {
      throw new RsConfigError(
        `${path}.${name}`,
        'is written by the HTTP server for the message it sends (framing, connection management) or ' +
          'belongs to requests: a failure answer cannot set it',
      );
    }
    if (!isHeaderValue(value)) {
      throw new RsConfigError(
        `${path}.${name}`,
        'must be a header value: a string without control characters or white space at either end',
      );
    }
    settled.push([lowerName, value]);
  }
  return settled;
}

/**
 * Refuses a body that `JSON.stringify` would throw on (a `BigInt`, a cycle) or write other than given
 * (a function, a symbol or `undefined` left out or turned into `null`, a non-finite number into `null`,
 * a `Date`, `Map` or class instance into whatever its `toJSON` or own members make of it), or that is
 * nested deeper than {@link MAX_FAILURE_BODY_DEPTH}. Names the first such value by its path, never its
 * content. The recursion stops at that depth, so no body can exhaust the stack.
 */
function checkJsonBody(body: Readonly<Record<string, unknown>>, path: string): void {
  const open = new Set<object>();
  const visit = (value: unknown, at: string, depth: number): void => {
    switch (typeof value) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(value))
          throw new RsConfigError(at, 'must be a finite number (JSON has no NaN or Infinity)');
        return;
      case 'object':
        break;
      default:
        throw new RsConfigError(at, `is ${kindOf(value)}, which JSON cannot carry as given`);
    }
    if (value === null) return;
    if (open.has(value))
      throw new RsConfigError(at, 'refers back to an object that contains it: JSON cannot carry a cycle');
    const isArray = Array.isArray(value);
    if (!isArray && !isPlainObject(value))
      throw new RsConfigError(
        at,
        'must be a JSON value: a string, number, boolean, null, array or plain object',
      );
    if (depth > MAX_FAILURE_BODY_DEPTH) {
      throw new RsConfigError(
        at,
        `is nested too deep: a failure answer's body holds at most ${MAX_FAILURE_BODY_DEPTH} levels of objects and arrays`,
      );
    }
    open.add(value);
    if (isArray) {
      // By index, so that a hole is visited as the undefined JSON would write as null.
      const items = value as readonly unknown[];
      for (let index = 0; index < items.length; index++) visit(items[index], `${at}[${index}]`, depth + 1);
    } else {
      for (const [key, item] of Object.entries(value)) visit(item, `${at}.${key}`, depth + 1);
    }
    open.delete(value);
  };
  visit(body, path, 1);
}

function kindOf(value: unknown): string {
  switch (typeof value) {
    case 'bigint':
      return 'a BigInt';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return 'undefined';
  }
}

/** What an application's code threw, named by its class only: its message may carry anything. */
function errorKind(error: unknown): string {
  if (error instanceof Error) return `a ${error.name}`;
  return error === null ? 'null' : `a ${typeof error}`;
}

function applyResponse(rejection: Rejection, response: SettledResponse): Rejection {
  const headers: Record<string, string> = { ...rejection.headers };
  if (response.textBody) headers['content-type'] = 'text/plain; charset=utf-8';
  for (const [name, value] of response.headers) headers[name] = value;
  const dropChallenge = !response.challenge;
  if (dropChallenge) delete headers['www-authenticate'];
  return {
    ...rejection,
    status: response.status ?? rejection.status,
    headers,
    ...(dropChallenge ? { wwwAuthenticate: undefined, challenges: [] } : {}),
    ...(response.bodyText === undefined ? {} : { bodyText: response.bodyText }),
  };
}
