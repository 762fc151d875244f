import type { ResourceServerSource } from '@rs/core/adapter';

/**
 * What the middleware does with a refused request: answer it, or pass it to `next(err)`.
 *
 * @example
 * ```ts
 * const { protect } = createExpressResourceServer({ resolver, onRejection: 'next' });
 * ```
 */
export type RejectionHandling = 'respond' | 'next';

/**
 * What the middleware adds to the resource server: how it fits into Express.
 *
 * @example
 * ```ts
 * const { protect } = createExpressResourceServer({
 *   resolver,
 *   publicUrl: 'https://api.example.com',
 *   onRejection: 'respond',
 * });
 * ```
 */
export interface RsExpressSettings {
  /**
   * The URL of this server's root as clients see it, e.g. `https://api.example.com`, when a proxy does not
   * forward the scheme or rewrites the Host header. The request's `originalUrl` is appended to it.
   * Default: `req.protocol` (which follows the app's `trust proxy` setting) and the `Host` header.
   */
  readonly publicUrl?: string | undefined;
  /**
   * `'respond'` (default): answer a refused request with the rejection's status, headers and JSON body.
   * `'next'`: pass an {@link RsRejectionError} to `next(err)` for your error middleware. An app without
   * error middleware gets the `'respond'` answer instead: Express's default handler would log a stack
   * trace for every refused request.
   */
  readonly onRejection?: RejectionHandling | undefined;
}

/**
 * Options of {@link createExpressResourceServer}: the resource server's own options (or a prebuilt `resourceServer`), plus
 * the middleware's {@link RsExpressSettings}.
 *
 * @example
 * ```ts
 * const options: RsExpressOptions = { resolver: jwtResolver({ issuer, keys }), realm: 'api' };
 * const { protect } = createExpressResourceServer(options);
 * ```
 */
export type RsExpressOptions = RsExpressSettings & ResourceServerSource;
