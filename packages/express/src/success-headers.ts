import { successHeaderValue } from '@rs/core/adapter';
import type { Response } from 'express';

type WriteHead = Response['writeHead'];

/**
 * Sets core's success headers (`cache-control: private` for a query token, a fresh `dpop-nonce`) on an
 * accepted request's response now, and again when its head is written: a handler, or a middleware after
 * it, that sets its own `Cache-Control: public` would otherwise replace core's `private`, which must reach
 * every cache on the way (RFC 6750 §2.3), and a `DPoP-Nonce` of its own is not the one core checks next.
 * Headers given to `res.writeHead(status, headers)` itself, which take precedence over those set before,
 * get the same treatment.
 *
 * @example
 * ```ts
 * keepSuccessHeaders(res, result.headers);
 * next();
 * ```
 */
export function keepSuccessHeaders(res: Response, headers: Readonly<Record<string, string>>): void {
  let any = false;
  for (const name in headers) {
    res.setHeader(name, successHeaderValue(name, res.getHeader(name), headers[name]!));
    any = true;
  }
  if (!any) return;
  const writeHead: WriteHead = res.writeHead;
  res.writeHead = function writeHeadWithSuccessHeaders(this: Response, ...args: Parameters<WriteHead>) {
    if (!this.headersSent) {
      for (const name in headers)
        this.setHeader(name, successHeaderValue(name, this.getHeader(name), headers[name]!));
      const given = args.at(-1);
      if (typeof given === 'object' && given !== null && !Array.isArray(given)) {
        const record = given as Record<string, unknown>;
        for (const key of Object.keys(record)) {
          const name = key.toLowerCase();
          const value = headers[name];
          if (value !== undefined) record[key] = successHeaderValue(name, record[key], value);
        }
      }
    }
    return writeHead.apply(this, args);
  } as WriteHead;
}
