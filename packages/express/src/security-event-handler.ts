import { MAX_PUSHED_SET_BYTES, receivePushedSet, type SecurityEventReceiver } from '@rs/core';
import { requireSecurityEventReceiver } from '@rs/core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';

/**
 * The push-delivery endpoint of a Security Event Token receiver (RFC 8935) as an Express handler: mount it
 * with `app.post('/ssf/events', securityEventHandler(receiver))`. It answers 202, or 400 with the RFC's
 * `{ "err", "description" }`; `@rs/core`'s `receivePushedSet` decides. The body is read from the request
 * within 64 KiB, unless a body parser already read it as text or bytes. Protect the route as the
 * transmitter requires: the SET's signature proves its origin, not that the caller may push.
 *
 * @example
 * ```ts
 * import { memoryReplayStore, remoteJwks, revocationList, securityEventReceiver } from '@rs/core';
 * import { securityEventHandler } from '@rs/express';
 * import express from 'express';
 *
 * const receiver = securityEventReceiver({
 *   issuer: 'https://as.example.com',
 *   audience: 'https://api.example.com',
 *   keys: remoteJwks({ url: 'https://as.example.com/ssf/jwks' }),
 *   replayStore: memoryReplayStore(),
 *   revocations: revocationList(),
 * });
 * const app = express();
 * app.post('/ssf/events', securityEventHandler(receiver));
 * ```
 */
export function securityEventHandler(receiver: SecurityEventReceiver): RequestHandler {
  requireSecurityEventReceiver(receiver, 'securityEventHandler.receiver');
  return (request: Request, response: Response, next: NextFunction) => {
    bodyOf(request)
      .then((body) =>
        receivePushedSet(receiver, {
          method: request.method,
          contentType: request.headers['content-type'],
          body,
        }),
      )
      .then((answer) => {
        response.status(answer.status).set(answer.headers);
        response.end(answer.body === '' ? undefined : answer.body);
      }, next);
  };
}

/** The body as text or bytes, `undefined` when larger than the bound. */
async function bodyOf(request: Request): Promise<string | Uint8Array | undefined> {
  const parsed: unknown = request.body;
  if (typeof parsed === 'string') return parsed.length > MAX_PUSHED_SET_BYTES ? undefined : parsed;
  if (parsed instanceof Uint8Array) return parsed.byteLength > MAX_PUSHED_SET_BYTES ? undefined : parsed;
  // A body parser that made an object of it: no SET is JSON, so this is refused by its media type.
  if (parsed !== undefined && request.readableEnded) return '';
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of request as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > MAX_PUSHED_SET_BYTES) {
      request.resume();
      return undefined;
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}
