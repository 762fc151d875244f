import './express-augmentation.js';
import {
  type AccessPolicy,
  type DefaultClaims,
  type OptionalAuthResult,
  type ResourceServer,
  RsConfigError,
  type RsContext,
  type RsRequest,
} from '@rs/core';
import {
  authenticateOptionalWithRoutePolicy,
  authenticateWithRoutePolicy,
  keepSuccessHeadersOnWrite,
  nonEmptyString,
  type OptionSchema,
  oneOf,
  publicBaseUrl,
  requirePublicUrlForDpop,
  resourceServerFrom,
  routePolicyArgument,
  successHeaderValue,
  thrownAsError,
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
export type Protect = (...routePolicy: [] | [routePolicy: AccessPolicy]) => RequestHandler;

/**
 * A resource server for Express 4 or 5: middleware factories for routes, and the context accessor.
 *
 * @example
 * ```ts
 * const rs = createExpressResourceServer({ resolver });
 * app.get('/items', rs.protect({ scopes: ['read'] }), (req, res) => res.json(rs.contextOf(req)?.subject));
 * app.get('/feed', rs.protectOptional(), (req, res) => res.json({ personal: req.oauth2 !== undefined }));
 * ```
 */
export interface ExpressResourceServer<Claims extends object = DefaultClaims> {
  /**
   * Middleware that protects what follows it: it authenticates the request, sets `req.oauth2` and calls
   * `next()`, or answers the rejection (status, `WWW-Authenticate`, JSON body); with
   * `onRejection: 'next'` it passes an {@link RsRejectionError} to `next(err)` instead, when the app has
   * error middleware to receive it. Without a policy it applies the server-wide policy only; with one,
   * both. The policy is checked now, so a bad one fails at start-up, as does one given as `undefined`
   * (misspelt or not loaded: leave the argument out for a route without a policy of its own).
   */
  protect(...routePolicy: [] | [routePolicy: AccessPolicy]): RequestHandler;
  /**
   * As {@link ExpressResourceServer.protect}, for a route where authentication is optional: a request
   * without any token goes on with `req.oauth2` unset; a token, when present, must pass (a bad one is
   * still answered 401).
   */
  protectOptional(...routePolicy: [] | [routePolicy: AccessPolicy]): RequestHandler;
  /**
   * `req.oauth2` with the application's claims type (a statement about the tokens, not a check), or
   * `undefined` on a request no middleware accepted.
   */
  contextOf(req: Request): RsContext<Claims> | undefined;
  /** The core resource server underneath. */
  readonly resourceServer: ResourceServer;
}

/**
 * Builds an {@link ExpressResourceServer}. Options are checked here: a misconfiguration throws an
 * `RsConfigError` at start-up. Bugs (a thrown error) in a middleware always go to `next(err)`.
 *
 * @example
 * ```ts
 * const rs = createExpressResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * app.get('/items', rs.protect({ scopes: ['read'] }), (req, res) => {
 *   res.json({ subject: req.oauth2?.subject });
 * });
 * ```
 */
export function createExpressResourceServer<Claims extends object = DefaultClaims>(
  options: RsExpressOptions,
): ExpressResourceServer<Claims> {
  const resourceServer = resourceServerFrom(options, EXPRESS_SETTINGS);
  requirePublicUrlForDpop(resourceServer, options.publicUrl, 'publicUrl');
  const publicBase = publicBaseUrl(options.publicUrl, 'publicUrl', options);
  const passRejections = rejectionHandling(options.onRejection) === 'next';

  function middleware(decide: (request: RsRequest) => Promise<OptionalAuthResult>): RequestHandler {
    return function authenticateOAuth2(req: Request, res: Response, next: NextFunction): void {
      // Not an async function: Express 4 ignores returned promises, so failures must reach next() here.
      // One reaction to core's promise, not a `.then` and a `.catch` chained on it.
      decide(expressRsRequest(req, publicBase)).then(
        (result) => {
          try {
            proceed(req, res, next, result);
          } catch (error) {
            next(error);
          }
        },
        // Always an Error: Express reads next(null) as success and next('route') as an instruction.
        (error: unknown) => next(thrownAsError(error, 'the resource server')),
      );
    };
  }

  /** Hands an accepted request on with its context, or answers (or passes on) a refused one. */
  function proceed(req: Request, res: Response, next: NextFunction, result: OptionalAuthResult): void {
    if (!result.ok) {
      // With no error middleware to hand it to, Express's default handler would log a stack trace per
      // refused request (and show it outside production): answer it here instead.
      if (passRejections && hasErrorMiddleware(req.app)) next(new RsRejectionError(result.rejection));
      else sendRejection(res, result.rejection);
      return;
    }
    if (result.context !== undefined) req.oauth2 = result.context;
    let added = false;
    for (const name in result.headers) {
      res.setHeader(name, successHeaderValue(name, res.getHeader(name), result.headers[name]!));
      added = true;
    }
    // Again when the head is written: the handler, or a middleware after it, may set its own.
    if (added) keepSuccessHeadersOnWrite(res, result.headers);
    next();
  }

  return {
    resourceServer,
    protect(...given) {
      const routePolicy = routePolicyArgument(given, 'protect(policy)');
      const policy = resourceServer.checkPolicy(routePolicy, 'protect(policy)');
      return middleware((request) => authenticateWithRoutePolicy(resourceServer, request, policy));
    },
    protectOptional(...given) {
      const routePolicy = routePolicyArgument(given, 'protectOptional(policy)');
      const policy = resourceServer.checkPolicy(routePolicy, 'protectOptional(policy)');
      return middleware((request) => authenticateOptionalWithRoutePolicy(resourceServer, request, policy));
    },
    contextOf: (req) => req.oauth2 as RsContext<Claims> | undefined,
  };
}

/**
 * Builds a resource server for Express and returns its {@link Protect} middleware factory.
 *
 * @deprecated Use {@link createExpressResourceServer}, whose `protect` is this function's result; the
 * factories of every adapter are named `create<Framework>ResourceServer`.
 *
 * @example
 * ```ts
 * const protect = rsExpress({ resolver });
 * app.get('/items', protect({ scopes: ['read'] }), listItems);
 * ```
 */
export function rsExpress(options: RsExpressOptions): Protect {
  return createExpressResourceServer(options).protect;
}

function rejectionHandling(value: RejectionHandling | undefined): RejectionHandling {
  if (value === undefined || value === 'respond' || value === 'next') return value ?? 'respond';
  throw new RsConfigError('onRejection', "must be 'respond' or 'next'");
}
