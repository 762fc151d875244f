import {
  type AccessPolicy,
  type DefaultClaims,
  type Rejection,
  type ResourceServer,
  RsConfigError,
  type RsContext,
} from '@rs/core';
import {
  type AdapterAuthResult,
  adapterAuthenticator,
  anyValue,
  authenticateWithRoutePolicy,
  checkOptions,
  checkRouteHandler,
  checkRoutePolicyMember,
  FORM_BODY_SETTINGS,
  type FormBodySettings,
  nonEmptyString,
  type OptionSchema,
  oneOf,
  type ResourceServerSource,
  refuseTrustedProxiesWithoutPeer,
  requirePublicUrlForDpop,
  routePolicyArgument,
  stringList,
  undefinedRoutePolicy,
} from '@rs/core/adapter';
import type { ALBEvent, ALBResult, APIGatewayProxyEvent, Context } from 'aws-lambda';
import { type ApiGatewayEvent, type ApiGatewayResult, isHttpApiEvent } from './api-gateway-event.js';
import type { AuthorizerSettings } from './authorizers/authorizer-settings.js';
import {
  type HttpApiAuthorizerSettings,
  type HttpApiIamAuthorizerHandler,
  type HttpApiSimpleAuthorizerHandler,
  httpApiAuthorizer,
} from './authorizers/http-api-authorizer.js';
import { type RestAuthorizerHandler, restAuthorizer } from './authorizers/rest-authorizer.js';
import type {
  LambdaHandler,
  OptionallyProtectedAlbHandler,
  OptionallyProtectedHandler,
  ProtectedAlbHandler,
  ProtectedHandler,
} from './handlers.js';
import { isAlbEvent } from './request/alb-request.js';
import { type AuthenticateInput, type LambdaInput, lambdaRsRequest } from './request/lambda-input.js';
import { lambdaPublicBase } from './request/public-base.js';
import { addHeaders } from './response/add-headers.js';
import { albRejectionResponse } from './response/alb-response.js';
import { albSuccessResult } from './response/alb-success-result.js';
import { structuredHttpApiResult } from './response/http-api-result.js';
import { type LambdaRejectionResponse, rejectionResponse } from './response/rejection-response.js';

/**
 * What the Lambda adapter adds to the resource server: how event bodies are read for form tokens.
 *
 * @example
 * ```ts
 * import type { LambdaResourceServerSettings } from '@rs/lambda';
 * const settings: LambdaResourceServerSettings = { maxFormBodyBytes: 16 * 1024 };
 * ```
 */
export interface LambdaResourceServerSettings extends FormBodySettings {
  /**
   * The URL clients call, e.g. `https://api.example.com`; each event's path (which already holds the
   * stage on `execute-api` hosts and the base path on custom domains) is appended to it, after the path
   * prefix if it has one. An HTTP API (payload 2.0) event's `rawPath` lacks a custom domain's API
   * mapping path: for those functions, give it as the prefix (`https://api.example.com/orders`). It
   * replaces the scheme and host of every event kind: proxy events, ALB events and authorizer events. Required with `dpop`: proofs are checked against this URL, not one built from
   * the client's `Host` header. Plain `http:` (a local emulator) only with `requireHttps: false`.
   * Default: `https://` and the `Host` header, else `requestContext.domainName`.
   */
  readonly publicUrl?: string | undefined;
}

/**
 * Options of {@link createLambdaResourceServer}: core's resource-server options (or a prebuilt
 * `resourceServer` from `createResourceServer`), plus the adapter's {@link LambdaResourceServerSettings}.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core';
 * import type { LambdaResourceServerOptions } from '@rs/lambda';
 * const options: LambdaResourceServerOptions = {
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 *   tokenLocations: { authorizationHeader: true, formBody: true },
 *   maxFormBodyBytes: 16 * 1024,
 * };
 * ```
 */
export type LambdaResourceServerOptions = LambdaResourceServerSettings & ResourceServerSource;

const LAMBDA_SETTINGS: OptionSchema<LambdaResourceServerSettings> = {
  ...FORM_BODY_SETTINGS,
  publicUrl: nonEmptyString,
};

/**
 * The decision for one event: the context and headers to add, or the ready response to return.
 *
 * @example
 * ```ts
 * const result = await rs.authenticate(event);
 * if (!result.ok) return result.response;
 * console.log(result.context.subject);
 * ```
 */
export type LambdaAuthResult = AdapterAuthResult<LambdaRejectionResponse>;

/**
 * A resource server for Lambda functions behind API Gateway. Build it once, outside the handler, so that
 * key sets stay cached across invocations.
 *
 * @example
 * ```ts
 * const rs = createLambdaResourceServer({ resolver });
 * export const handler = rs.protect(async (event) => ({ statusCode: 200, body: event.path }));
 * ```
 */
export interface LambdaResourceServer<Claims extends object = DefaultClaims> {
  /**
   * Decides one event of either payload format. For handlers that need the decision themselves;
   * {@link LambdaResourceServer.protect} covers the common case. A `policy` given as `undefined`
   * (misspelt or not loaded) rejects with an `RsConfigError`: leave the argument out for an event
   * without a policy of its own.
   */
  authenticate(
    event: ApiGatewayEvent,
    ...policy: [] | [policy: AccessPolicy]
  ): Promise<AdapterAuthResult<LambdaRejectionResponse, RsContext<Claims>>>;
  /**
   * Wraps a handler: refused events get core's answer and never reach it; accepted ones get the context,
   * and the answer gets core's headers. The policy is checked now, so a bad one fails at cold start, as
   * does one given as `undefined`. The event type picks the result type: annotate `event` (or pass the
   * type argument) for payload 2.0.
   */
  protect<E extends ApiGatewayEvent = APIGatewayProxyEvent>(
    handler: ProtectedHandler<E, Claims>,
    ...policy: [] | [policy: AccessPolicy]
  ): LambdaHandler<E>;
  /**
   * As {@link LambdaResourceServer.protect}, for a route where authentication is optional: an event
   * without any token reaches the handler with `oauth2` undefined; a token, when present, must pass
   * (a bad one is still answered 401).
   */
  protectOptional<E extends ApiGatewayEvent = APIGatewayProxyEvent>(
    handler: OptionallyProtectedHandler<E, Claims>,
    ...policy: [] | [policy: AccessPolicy]
  ): LambdaHandler<E>;
  /**
   * Wraps a handler behind an Application Load Balancer: refused requests get core's answer in the
   * load balancer's shape (`statusDescription`, `isBase64Encoded`, `multiValueHeaders` when the target
   * group has them on); accepted ones get the context. A server with `certificateHeader.trustedProxies`
   * is refused (`RsConfigError`): an ALB event carries no peer address to match against the list.
   */
  protectAlb(
    handler: ProtectedAlbHandler<Claims>,
    ...policy: [] | [policy: AccessPolicy]
  ): (event: ALBEvent, context: Context) => Promise<ALBResult>;
  /**
   * As {@link LambdaResourceServer.protectAlb}, for a route where authentication is optional: a request
   * without any token reaches the handler with `oauth2` undefined; a token, when present, must pass (a
   * bad one is still answered 401, in the load balancer's shape). A server with
   * `certificateHeader.trustedProxies` is refused, as by `protectAlb`.
   */
  protectAlbOptional(
    handler: OptionallyProtectedAlbHandler<Claims>,
    ...policy: [] | [policy: AccessPolicy]
  ): (event: ALBEvent, context: Context) => Promise<ALBResult>;
  /**
   * A REST API Lambda authorizer (`TOKEN` or `REQUEST`; also HTTP API authorizers with payload format
   * 1.0): Allow with the subject as `principalId` and the claims as `context`, Deny for 403, `Unauthorized`
   * (401) for a missing or bad token. Settings are checked now. A server with `dpop.nonces` is refused
   * (`RsConfigError`): an authorizer cannot send clients the `DPoP-Nonce` header.
   */
  restAuthorizer(settings?: AuthorizerSettings): RestAuthorizerHandler;
  /**
   * An HTTP API Lambda authorizer (payload format 2.0) with simple responses (default) or IAM policies
   * (`response: 'iam'`). Settings are checked now. A server with `dpop.nonces` is refused
   * (`RsConfigError`): an authorizer cannot send clients the `DPoP-Nonce` header.
   */
  httpApiAuthorizer(
    settings?: HttpApiAuthorizerSettings & { readonly response?: 'simple' | undefined },
  ): HttpApiSimpleAuthorizerHandler;
  httpApiAuthorizer(
    settings: HttpApiAuthorizerSettings & { readonly response: 'iam' },
  ): HttpApiIamAuthorizerHandler;
  /** The core resource server underneath. */
  readonly resourceServer: ResourceServer;
}

/**
 * Builds a {@link LambdaResourceServer}. Options are checked here and a misconfiguration throws an
 * `RsConfigError`, so it fails at cold start rather than on the first request.
 *
 * @example
 * ```ts
 * import { jwtResolver, remoteJwks } from '@rs/core';
 * import { createLambdaResourceServer } from '@rs/lambda';
 * import type { APIGatewayProxyEventV2 } from 'aws-lambda';
 *
 * const rs = createLambdaResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * export const handler = rs.protect(
 *   async (event: APIGatewayProxyEventV2, context, oauth2) => ({
 *     statusCode: 200,
 *     body: `hello ${oauth2.subject}`,
 *   }),
 *   { scopes: ['read'] },
 * );
 * ```
 */
export function createLambdaResourceServer<Claims extends object = DefaultClaims>(
  options: LambdaResourceServerOptions,
): LambdaResourceServer<Claims>;
// Last, so that `ReturnType<typeof createLambdaResourceServer>` is the server with the default claims type.
export function createLambdaResourceServer(options: LambdaResourceServerOptions): LambdaResourceServer;
export function createLambdaResourceServer<Claims extends object = DefaultClaims>(
  options: LambdaResourceServerOptions,
): LambdaResourceServer<Claims> {
  // Every entry point (proxy handlers, protectAlb, the authorizers) decides through this one
  // authenticator, so each event kind is translated with the same publicUrl and checked the same way.
  const authenticator = adapterAuthenticator(
    options,
    {
      // Called per request, so after `publicBase` below is checked.
      toRsRequest: (input: LambdaInput, form) => lambdaRsRequest(input, form, publicBase),
      rejectionResponse,
    },
    LAMBDA_SETTINGS,
  );
  const { resourceServer, forRoute, forOptionalRoute } = authenticator;
  requirePublicUrlForDpop(resourceServer, options.publicUrl, 'publicUrl');
  const publicBase = lambdaPublicBase(options.publicUrl, options);
  // The claims type is the application's statement about its tokens; nothing at run time differs.
  type Context_ = RsContext<Claims>;
  return {
    resourceServer,
    authenticate: authenticate as LambdaResourceServer<Claims>['authenticate'],
    protect<E extends ApiGatewayEvent>(
      handler: ProtectedHandler<E, Claims>,
      ...given: [policy?: AccessPolicy]
    ) {
      checkRouteHandler(handler, 'protect(handler)');
      const policy = routePolicyArgument(given, 'protect.policy');
      const authenticateRoute = forRoute(policy, 'protect.policy');
      return async (event: E, context: Context): Promise<ApiGatewayResult<E>> => {
        const input = apiGatewayInput(event);
        const result = await authenticateRoute(input);
        // The rejection fits both result shapes; TypeScript cannot see that through the conditional type.
        if (!result.ok) return proxyRejection(input, result) as ApiGatewayResult<E>;
        return successResult(
          event,
          await handler(event, context, result.context as Context_),
          result.headers,
        );
      };
    },
    protectOptional<E extends ApiGatewayEvent>(
      handler: OptionallyProtectedHandler<E, Claims>,
      ...given: [policy?: AccessPolicy]
    ) {
      checkRouteHandler(handler, 'protectOptional(handler)');
      const policy = routePolicyArgument(given, 'protectOptional.policy');
      const authenticateRoute = forOptionalRoute(policy, 'protectOptional.policy');
      return async (event: E, context: Context): Promise<ApiGatewayResult<E>> => {
        const input = apiGatewayInput(event);
        const result = await authenticateRoute(input);
        if (!result.ok) return proxyRejection(input, result) as ApiGatewayResult<E>;
        return successResult(
          event,
          await handler(event, context, result.context as Context_ | undefined),
          result.headers,
        );
      };
    },
    protectAlb(handler: ProtectedAlbHandler<Claims>, ...given: [policy?: AccessPolicy]) {
      checkRouteHandler(handler, 'protectAlb(handler)');
      refuseTrustedProxiesWithoutPeer({ resourceServer }, 'protectAlb()', ALB_EVENT);
      const policy = routePolicyArgument(given, 'protectAlb.policy');
      const authenticateRoute = forRoute(policy, 'protectAlb.policy');
      return async (event: ALBEvent, context: Context): Promise<ALBResult> => {
        const result = await authenticateRoute({ kind: 'alb', event });
        // The load balancer's shape, which depends on the event (multi-value headers or not).
        if (!result.ok) return albRejectionResponse(result.rejection, event);
        return albSuccessResult(
          event,
          await handler(event, context, result.context as Context_),
          result.headers,
        );
      };
    },
    protectAlbOptional(handler: OptionallyProtectedAlbHandler<Claims>, ...given: [policy?: AccessPolicy]) {
      checkRouteHandler(handler, 'protectAlbOptional(handler)');
      refuseTrustedProxiesWithoutPeer({ resourceServer }, 'protectAlbOptional()', ALB_EVENT);
      const policy = routePolicyArgument(given, 'protectAlbOptional.policy');
      const authenticateRoute = forOptionalRoute(policy, 'protectAlbOptional.policy');
      return async (event: ALBEvent, context: Context): Promise<ALBResult> => {
        const result = await authenticateRoute({ kind: 'alb', event });
        if (!result.ok) return albRejectionResponse(result.rejection, event);
        return albSuccessResult(
          event,
          await handler(event, context, result.context as Context_ | undefined),
          result.headers,
        );
      };
    },
    restAuthorizer(settings: AuthorizerSettings = {}) {
      return restAuthorizer(authorizerRoute(settings, 'restAuthorizer'), settings);
    },
    httpApiAuthorizer(settings: HttpApiAuthorizerSettings = {}) {
      const authenticateRoute = authorizerRoute(settings, 'httpApiAuthorizer');
      // biome-ignore lint/suspicious/noExplicitAny: the overloads above give each caller its exact type.
      return httpApiAuthorizer(authenticateRoute, settings) as any;
    },
  };

  /**
   * Decides a proxy event of either payload format, translated as the handlers' events are. It counts
   * its arguments (a rest parameter would be an array per event).
   */
  function authenticate(event: ApiGatewayEvent, policy?: AccessPolicy) {
    // biome-ignore lint/complexity/noArguments: tells a policy given as undefined from one left out.
    if (arguments.length > 1 && policy === undefined) {
      return Promise.reject(undefinedRoutePolicy('authenticate(event, policy)'));
    }
    return authenticateWithRoutePolicy(authenticator, apiGatewayInput(event), policy);
  }

  /** Checks an authorizer's settings now (so a bad one fails at cold start) and binds its policy. */
  function authorizerRoute(settings: HttpApiAuthorizerSettings, name: string): AuthenticateInput {
    refuseDpopNonces(resourceServer, name);
    checkOptions(settings, AUTHORIZER_SETTINGS, name);
    checkRoutePolicyMember(settings, 'policy', `${name}.policy`);
    return forRoute(settings.policy, `${name}.policy`);
  }
}

/**
 * Refuses an authorizer on a server whose DPoP proofs must carry a server nonce (`dpop.nonces`). A
 * client learns the nonce only from the `DPoP-Nonce` header of an answer, and an authorizer's answer is
 * a decision API Gateway turns into its own response, with no header of the authorizer's: the client
 * would never learn a nonce, and every DPoP request would be refused for good.
 */
function refuseDpopNonces(resourceServer: ResourceServer, name: string): void {
  if (resourceServer.dpopNonces !== true) return;
  throw new RsConfigError(
    'dpop.nonces',
    `cannot be used with ${name}(): a Lambda authorizer cannot send the DPoP-Nonce header clients learn ` +
      'the nonce from, so every DPoP request would be refused; check DPoP in the function itself ' +
      '(protect()), or leave dpop.nonces out of the resource server the authorizer uses',
  );
}

// Only the load balancer invokes a function behind it: leave the list out of the server its routes use.
const ALB_EVENT = 'an Application Load Balancer event';

/**
 * The handler's result with core's success headers (`cache-control: private` for a query token). A
 * payload 2.0 result without a `statusCode` is first made the response API Gateway reads it as: headers
 * added to it as it is would end up in its body, and the client would never get them.
 */
function successResult<E extends ApiGatewayEvent>(
  event: E,
  result: ApiGatewayResult<E>,
  headers: Readonly<Record<string, string>>,
): ApiGatewayResult<E> {
  if (Object.keys(headers).length === 0) return result;
  if (!isHttpApiEvent(event)) return addHeaders(result, headers);
  return addHeaders(structuredHttpApiResult(result), headers) as ApiGatewayResult<E>;
}

/**
 * A proxy event's kind, from the event itself (`version: "2.0"`), so one server serves both formats. An
 * Application Load Balancer's event handed to a proxy handler (deployed behind a load balancer instead
 * of `protectAlb`) is read as `protectAlb` reads it: its `x-forwarded-proto` and its raw query count.
 */
function apiGatewayInput(event: ApiGatewayEvent): LambdaInput {
  if (isAlbEvent(event)) return { kind: 'alb', event };
  return isHttpApiEvent(event) ? { kind: 'http-api', event } : { kind: 'rest-api', event };
}

/** A proxy handler's answer to a refused event; in the load balancer's shape for one of its events. */
function proxyRejection(
  input: LambdaInput,
  result: { readonly response: LambdaRejectionResponse; readonly rejection: Rejection },
): LambdaRejectionResponse | ALBResult {
  return input.kind === 'alb' ? albRejectionResponse(result.rejection, input.event) : result.response;
}

const AUTHORIZER_SETTINGS: OptionSchema<HttpApiAuthorizerSettings> = {
  policy: anyValue,
  contextClaims: stringList,
  policyScope: oneOf('method', 'stage'),
  response: oneOf('simple', 'iam'),
};
