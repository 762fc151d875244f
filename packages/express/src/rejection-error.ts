import { type Rejection, RsError } from '@rs/core';
import { ERROR_CLASS_BRAND } from '@rs/core/adapter';

/**
 * A refused request, passed to `next(err)` when the middleware runs with `onRejection: 'next'`. Express's
 * default error handler answers with its `status` and `headers` (so the `WWW-Authenticate` challenge
 * survives); your own error middleware can send `rejection.body` as JSON, or `rejection.bodyText` when
 * `failureResponses` replaced the body. Its message is the rejection's description, which never contains
 * the token.
 *
 * @example
 * ```ts
 * app.use((err: unknown, req: Request, res: Response, next: NextFunction) => {
 *   if (!(err instanceof RsRejectionError)) return next(err);
 *   // The headers carry the content type, which `send` keeps.
 *   const { bodyText, body } = err.rejection;
 *   res.status(err.status).set(err.headers).send(bodyText ?? JSON.stringify(body));
 * });
 * ```
 */
export class RsRejectionError extends RsError {
  static override readonly [ERROR_CLASS_BRAND] = '@rs/express/RsRejectionError';
  override name = 'RsRejectionError';
  declare readonly code: 'ERR_RS_REJECTED';
  /** The HTTP status to answer with (400, 401, 403, or 503 when the token could not be checked). */
  readonly status: number;
  /** The same as {@link RsRejectionError.status}, under the other name error handlers read. */
  readonly statusCode: number;
  /** Response headers: `www-authenticate`, `cache-control`, `content-type`. */
  readonly headers: Readonly<Record<string, string>>;
  /** Tells error handlers that follow the `http-errors` convention that the message is safe to show. */
  readonly expose = true;
  /** Everything core decided, including the JSON `body` and the stable failure `code`. */
  readonly rejection: Rejection;

  constructor(rejection: Rejection) {
    super('ERR_RS_REJECTED', rejection.description);
    this.status = rejection.status;
    this.statusCode = rejection.status;
    this.headers = rejection.headers;
    this.rejection = rejection;
    // A refusal is an answer, not a bug: no stack trace, so that no handler can log or send file paths.
    this.stack = `${this.name}: ${this.message}`;
  }
}
