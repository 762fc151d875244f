import './express-augmentation.js';
import { type AccessPolicy, RsConfigError } from '@rs/core';
import {
  nonEmptyString,
  type OptionSchema,
  oneOf,
  publicBaseUrl,
  requirePublicUrlForDpop,
  resourceServerFrom,
} from '@rs/core/adapter';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { hasErrorMiddleware } from './error-middleware.js';
import { expressRsRequest } from './express-rs-request.js';
import type { RejectionHandling, RsExpressOptions, RsExpressSettings } from './options.js';
import { RsRejectionError } from './rejection-error.js';
import { sendRejection } from './send-rejection.js';

const EXPRESS_SETTINGS: OptionSchema<RsExpressSettings> = {
  publicUrl: nonEmptyString,
  onRejection: oneOf('respond', 'next'),
};

/**
 * Makes middleware that protects what follows it. Without a policy it applies the server-wide policy
 * only; with one, both. The policy is checked when `protect` is called, so a bad one fails at start-up.
 *
 * @example
 * ```ts
 * app.get('/items', protect({ scopes: { anyOf: ['read', 'admin'] } }), listItems);
 * router.use(protect());
 * ```
 */
export type Protect = (routePolicy?: AccessPolicy) => RequestHandler;

/**
 * Builds a resource server for Express 4 or 5 and returns {@link Protect}, the middleware factory. Each
 * middleware authenticates the request, sets `req.oauth2` and calls `next()`, or answers the rejection
 * (status, `WWW-Authenticate`, JSON body); with `onRejection: 'next'` it passes an
 * {@link RsRejectionError} to `next(err)` instead, when the app has error middleware to receive it (else
 * it answers as with `'respond'`). Bugs (a thrown error) always go to `next(err)`.
 *
 * @example
 * ```ts
 * const protect = rsExpress({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * app.get('/items', protect({ scopes: ['read'] }), (req, res) => {
 *   res.json({ subject: req.oauth2?.subject });
 * });
 * ```
 */
export function rsExpress(options: RsExpressOptions): Protect {
  const resourceServer = resourceServerFrom(options, EXPRESS_SETTINGS);
  requirePublicUrlForDpop(resourceServer, options.publicUrl, 'publicUrl');
  const publicBase = publicBaseUrl(options.publicUrl, 'publicUrl');
  const passRejections = rejectionHandling(options.onRejection) === 'next';

  return function protect(routePolicy?: AccessPolicy): RequestHandler {
    const policy = resourceServer.checkPolicy(routePolicy, 'protect(policy)');
    return function authenticateOAuth2(req: Request, res: Response, next: NextFunction): void {
      // Not an async function: Express 4 ignores returned promises, so failures must reach next() here.
      resourceServer
        .authenticate(expressRsRequest(req, publicBase), policy)
        .then((result) => {
          if (!result.ok) {
            // With no error middleware to hand it to, Express's default handler would log a stack
            // trace per refused request (and show it outside production): answer it here instead.
            if (passRejections && hasErrorMiddleware(req.app))
              return next(new RsRejectionError(result.rejection));
            return sendRejection(res, result.rejection);
          }
          req.oauth2 = result.context;
          for (const name in result.headers) res.setHeader(name, result.headers[name]!);
          next();
        })
        .catch(next);
    };
  };
}

function rejectionHandling(value: RejectionHandling | undefined): RejectionHandling {
  if (value === undefined || value === 'respond' || value === 'next') return value ?? 'respond';
  throw new RsConfigError('onRejection', "must be 'respond' or 'next'");
}
