import { RsConfigError, requireOption } from '../config/config-error.js';
import { decodeUtf8 } from '../encoding/utf8.js';
import { readStreamAtMost } from '../http/bounded-stream.js';
import type { SecurityEventReceiver } from './security-event-receiver.js';
import { SetCheckUnavailableError, type SetErrorCode } from './security-event-token.js';

/** The media type of a pushed SET (RFC 8935 section 2). */
export const SECEVENT_MEDIA_TYPE = 'application/secevent+jwt';

/** A pushed request, as any framework hands it over. */
export interface PushedSet {
  /** The request method; anything but `POST` is answered 405. */
  readonly method: string;
  /** The `Content-Type` header. */
  readonly contentType: string | undefined;
  /** The body, read by the adapter within {@link MAX_PUSHED_SET_BYTES}; `undefined` when it was larger. */
  readonly body: string | Uint8Array | undefined;
}

/** The answer to send back, whatever the framework. */
export interface PushAnswer {
  /** 202 accepted, 400 refused (RFC 8935 error), 405 not a POST, 503 could not be checked now (send again). */
  readonly status: 202 | 400 | 405 | 503;
  /** Response headers by lower-case name: `cache-control`, and `allow`, `retry-after` or `content-type` as fits. */
  readonly headers: Readonly<Record<string, string>>;
  /** Empty for 202; the RFC 8935 error object otherwise. */
  readonly body: string;
}

/** The largest pushed body read: far above any SET, far below a framework's default limit. */
export const MAX_PUSHED_SET_BYTES = 64 * 1024;

/**
 * Push delivery of Security Event Tokens (RFC 8935): a `POST` of `application/secevent+jwt`, answered
 * `202 Accepted` once the SET is verified and acted on, or `400` with `{"err": …, "description": …}`
 * (section 2.3). A SET that could not be checked (keys unreachable) is answered 503, so that the
 * transmitter delivers it again. Adapters translate their request into a {@link PushedSet} and send
 * the answer back; nothing else.
 *
 * Called once per pushed request by the endpoint's code, which builds both arguments: what the
 * transmitter sent is answered (400, 405), never thrown, but arguments of the wrong kind are a mistake in
 * that code, not in the SET.
 *
 * @throws RsConfigError when `receiver` is not a `securityEventReceiver(…)` (option
 * `receivePushedSet.receiver`) or `pushed` is not a {@link PushedSet} (`receivePushedSet.pushed`): a
 * programming error of the caller, surfacing at the first pushed request.
 */
export async function receivePushedSet(
  receiver: SecurityEventReceiver,
  pushed: PushedSet,
): Promise<PushAnswer> {
  requireSecurityEventReceiver(receiver, 'receivePushedSet.receiver');
  requirePushedSet(pushed);
  if (pushed.method.toUpperCase() !== 'POST')
    return { status: 405, headers: { allow: 'POST', 'cache-control': 'no-store' }, body: '' };
  const mediaType = pushed.contentType?.split(';')[0]?.trim().toLowerCase();
  if (mediaType !== SECEVENT_MEDIA_TYPE)
    return setError('invalid_request', 'The body must be application/secevent+jwt');
  if (pushed.body === undefined) return setError('invalid_request', 'The SET is too large');
  let jwt: string;
  try {
    jwt = (typeof pushed.body === 'string' ? pushed.body : decodeUtf8(pushed.body)).trim();
  } catch {
    return setError('invalid_request', 'The SET is not UTF-8');
  }
  try {
    const receipt = await receiver.receive(jwt);
    if (!receipt.ok) return setError(receipt.refusal.err, receipt.refusal.description);
  } catch (error) {
    if (!(error instanceof SetCheckUnavailableError)) throw error;
    return { status: 503, headers: { 'retry-after': '5', 'cache-control': 'no-store' }, body: '' };
  }
  return { status: 202, headers: { 'cache-control': 'no-store' }, body: '' };
}

/**
 * {@link receivePushedSet} as a fetch handler (`Request` → `Response`): for `@rs/fetch`, Hono, Deno,
 * Bun, workers… The body is read at most {@link MAX_PUSHED_SET_BYTES} long.
 *
 * @example
 * ```ts
 * const pushEndpoint = pushDeliveryHandler(receiver);
 * // in a fetch server: if (new URL(request.url).pathname === '/events') return pushEndpoint(request);
 * ```
 */
export function pushDeliveryHandler(
  receiver: SecurityEventReceiver,
): (request: Request) => Promise<Response> {
  requireSecurityEventReceiver(receiver, 'pushDeliveryHandler.receiver');
  return async (request) => {
    const body =
      request.body === null ? new Uint8Array() : await readStreamAtMost(request.body, MAX_PUSHED_SET_BYTES);
    const answer = await receivePushedSet(receiver, {
      method: request.method,
      contentType: request.headers.get('content-type') ?? undefined,
      body,
    });
    return new Response(answer.body === '' ? null : answer.body, {
      status: answer.status,
      headers: answer.headers,
    });
  };
}

/**
 * Throws unless `pushed` is a {@link PushedSet}, naming the argument: `null.method` would otherwise be a
 * bare `TypeError` out of the endpoint, read as a fault of the SET or of @rs.
 */
function requirePushedSet(pushed: PushedSet): void {
  const request = pushed as Partial<Record<keyof PushedSet, unknown>> | null | undefined;
  const wellFormed =
    typeof request === 'object' &&
    request !== null &&
    typeof request.method === 'string' &&
    (request.contentType === undefined || typeof request.contentType === 'string') &&
    (request.body === undefined || typeof request.body === 'string' || request.body instanceof Uint8Array);
  if (!wellFormed)
    throw new RsConfigError(
      'receivePushedSet.pushed',
      'must be the pushed request as { method, contentType, body } (strings; body a string, bytes or ' +
        'undefined): a programming error in the endpoint calling receivePushedSet, not a bad SET',
    );
}

function setError(err: SetErrorCode, description: string): PushAnswer {
  return {
    status: 400,
    headers: { 'content-type': 'application/json', 'cache-control': 'no-store' },
    body: JSON.stringify({ err, description }),
  };
}

/**
 * Throws an `RsConfigError` naming `option` unless `receiver` is a {@link SecurityEventReceiver}: every
 * push endpoint checks it when built, not when the first SET arrives.
 *
 * @example
 * ```ts
 * requireSecurityEventReceiver(receiver, 'securityEventRoute.receiver');
 * ```
 */
export function requireSecurityEventReceiver(receiver: SecurityEventReceiver, option: string): void {
  requireOption(typeof receiver?.receive === 'function', option, 'must be a securityEventReceiver(…)');
}
