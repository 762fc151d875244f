import { RsConfigError } from '../config/config-error.js';
import { isPlainObject } from '../config/option-schema.js';
import { FAILURES, type FailureCode } from '../errors/failure.js';
import type { Rejection } from '../errors/rejection.js';
import { isHeaderName, isHeaderValue } from '../http/header-field.js';

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
  readonly status?: number;
  /**
   * Headers to add or replace (names case-insensitive, values without control characters).
   * `WWW-Authenticate` and `DPoP-Nonce` are core's and cannot be replaced here.
   */
  readonly headers?: Readonly<Record<string, string>>;
  /**
   * The body: a string is sent as is (`text/plain; charset=utf-8` unless `headers` give a
   * `content-type`), an object as JSON. Default: core's JSON body (`error`, `error_description`, `code`).
   * An object must hold JSON values only (strings, finite numbers, booleans, `null`, arrays and plain
   * objects, no cycle): a `BigInt`, a function, `undefined` or a `Date` is refused at start-up rather
   * than lost or thrown when a rejection is written.
   */
  readonly body?: string | Readonly<Record<string, unknown>>;
  /**
   * `false` drops the `WWW-Authenticate` challenge. Refused with status 401, which must carry one
   * (RFC 9110 §15.5.2). Default `true`.
   */
  readonly challenge?: boolean;
}

/** A fixed answer, or one computed from the rejection (return `undefined` to keep core's). */
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
  readonly tokenMissing?: FailureAnswer;
  readonly invalidRequest?: FailureAnswer;
  readonly invalidToken?: FailureAnswer;
  readonly insufficientScope?: FailureAnswer;
  readonly insufficientUserAuthentication?: FailureAnswer;
  readonly unavailable?: FailureAnswer;
  readonly byCode?: { readonly [C in FailureCode]?: FailureAnswer };
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
 */
export function failureResponder(
  option: FailureResponses | undefined,
  path = 'failureResponses',
): (rejection: Rejection) => Rejection {
  if (option === undefined) return (rejection) => rejection;
  if (!isPlainObject(option)) throw new RsConfigError(path, 'must be an object of failure answers');
  for (const key of Object.keys(option)) {
    if (key === 'byCode') continue;
    if (!CLASSES.includes(key as FailureClass)) {
      throw new RsConfigError(`${path}.${key}`, `unknown failure class; use one of ${CLASSES.join(', ')}`);
    }
    checkAnswer(option[key as FailureClass], `${path}.${key}`, CLASS_STATUS[key as FailureClass]);
  }
  const byCode: NonNullable<FailureResponses['byCode']> = option.byCode ?? {};
  if (!isPlainObject(byCode as unknown))
    throw new RsConfigError(`${path}.byCode`, 'must be an object keyed by failure code');
  for (const [code, answer] of Object.entries(byCode)) {
    if (!Object.hasOwn(FAILURES, code))
      throw new RsConfigError(`${path}.byCode.${code}`, 'unknown failure code');
    checkAnswer(answer, `${path}.byCode.${code}`, FAILURES[code as FailureCode].status);
  }
  return (rejection) => {
    const classOf = failureClassOf(rejection.code);
    const answer: FailureAnswer | undefined =
      (Object.hasOwn(byCode, rejection.code) ? byCode[rejection.code] : undefined) ??
      (classOf === undefined ? undefined : (option as FailureResponses)[classOf]);
    if (answer === undefined) return rejection;
    if (typeof answer !== 'function') return applyResponse(rejection, answer);
    const computed = answer(rejection);
    if (computed === undefined) return rejection;
    // A computed answer is application code: a wrong one is a bug, reported like a bad option.
    checkResponse(computed, `${path} (computed for ${rejection.code})`, rejection.status);
    return applyResponse(rejection, computed);
  };
}

function checkAnswer(answer: unknown, path: string, coreStatus: number): void {
  if (answer === undefined || typeof answer === 'function') return;
  checkResponse(answer, path, coreStatus);
}

function checkResponse(response: unknown, path: string, coreStatus: number): void {
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
  if (body !== undefined && typeof body !== 'string') {
    if (!isPlainObject(body)) throw new RsConfigError(`${path}.body`, 'must be a string or a plain object');
    checkJsonBody(body, `${path}.body`);
  }
  if (headers === undefined) return;
  if (!isPlainObject(headers)) throw new RsConfigError(`${path}.headers`, 'must be an object of strings');
  for (const [name, value] of Object.entries(headers)) {
    if (!isHeaderName(name)) throw new RsConfigError(`${path}.headers`, `"${name}" is not a header name`);
    if (CORE_HEADERS.has(name.toLowerCase())) {
      throw new RsConfigError(
        `${path}.headers.${name}`,
        'is set by core from the failure and cannot be replaced',
      );
    }
    if (!isHeaderValue(value)) {
      throw new RsConfigError(
        `${path}.headers.${name}`,
        'must be a header value: a string without control characters or white space at either end',
      );
    }
  }
}

/**
 * Refuses a body that `JSON.stringify` would throw on (a `BigInt`, a cycle) or write other than given
 * (a function, a symbol or `undefined` left out or turned into `null`, a non-finite number into `null`,
 * a `Date`, `Map` or class instance into whatever its `toJSON` or own members make of it). Names the
 * first such value by its path, never its content.
 */
function checkJsonBody(body: Readonly<Record<string, unknown>>, path: string): void {
  const open = new Set<object>();
  const visit = (value: unknown, at: string): void => {
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
    open.add(value);
    if (isArray) {
      // By index, so that a hole is visited as the undefined JSON would write as null.
      const items = value as readonly unknown[];
      for (let index = 0; index < items.length; index++) visit(items[index], `${at}[${index}]`);
    } else {
      for (const [key, item] of Object.entries(value)) visit(item, `${at}.${key}`);
    }
    open.delete(value);
  };
  visit(body, path);
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

function applyResponse(rejection: Rejection, response: FailureResponse): Rejection {
  const headers: Record<string, string> = { ...rejection.headers };
  let bodyText: string | undefined;
  if (typeof response.body === 'string') {
    bodyText = response.body;
    headers['content-type'] = 'text/plain; charset=utf-8';
  } else if (response.body !== undefined) {
    bodyText = JSON.stringify(response.body);
  }
  for (const name in response.headers) headers[name.toLowerCase()] = response.headers[name]!;
  const status = response.status ?? rejection.status;
  const dropChallenge = response.challenge === false;
  if (dropChallenge) delete headers['www-authenticate'];
  return {
    ...rejection,
    status,
    headers,
    ...(dropChallenge ? { wwwAuthenticate: undefined, challenges: [] } : {}),
    ...(bodyText === undefined ? {} : { bodyText }),
  };
}
