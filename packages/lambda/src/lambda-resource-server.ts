import type { AccessPolicy, OAuth2Context, ResourceServer } from '@rs/core';
import {
  type AdapterAuthResult,
  adapterAuthenticator,
  FORM_BODY_SETTINGS,
  type FormBodySettings,
  nonEmptyString,
  type OptionSchema,
  type ResourceServerSource,
  requirePublicUrlForDpop,
} from '@rs/core/adapter';
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';
import { type ApiGatewayEvent, type ApiGatewayResult, isHttpApiEvent } from './api-gateway-event.js';
import { httpApiRequest } from './request/http-api-request.js';
import { parsePublicOrigin } from './request/public-origin.js';
import { restApiRequest } from './request/rest-api-request.js';
import { addHeaders } from './response/add-headers.js';
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
   * The origin clients call, e.g. `https://api.example.com`; the event's path is appended to it. Required
   * with `dpop`: proofs are checked against this URL, not one built from the client's `Host` header.
   * Default: the `Host` header, else `requestContext.domainName`.
   */
  readonly publicUrl?: string;
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
 * A Lambda handler that runs only for accepted requests and receives their OAuth2 context.
 *
 * @example
 * ```ts
 * import type { ProtectedHandler } from '@rs/lambda';
 * const getItems: ProtectedHandler = async (event, context, oauth2) => ({
 *   statusCode: 200,
 *   body: JSON.stringify({ subject: oauth2.subject, requestId: context.awsRequestId }),
 * });
 * ```
 */
export type ProtectedHandler<E extends ApiGatewayEvent = APIGatewayProxyEvent> = (
  event: E,
  context: Context,
  oauth2: OAuth2Context,
) => ApiGatewayResult<E> | Promise<ApiGatewayResult<E>>;

/**
 * What {@link LambdaResourceServer.protect} returns: export it as the function's handler.
 *
 * @example
 * ```ts
 * import type { LambdaHandler } from '@rs/lambda';
 * export const handler: LambdaHandler = rs.protect(getItems, { scopes: ['read'] });
 * ```
 */
export type LambdaHandler<E extends ApiGatewayEvent = APIGatewayProxyEvent> = (
  event: E,
  context: Context,
) => Promise<ApiGatewayResult<E>>;

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
export interface LambdaResourceServer {
  /**
   * Decides one event of either payload format. For handlers that need the decision themselves;
   * {@link LambdaResourceServer.protect} covers the common case.
   */
  authenticate(event: ApiGatewayEvent, policy?: AccessPolicy): Promise<LambdaAuthResult>;
  /**
   * Wraps a handler: refused events get core's answer and never reach it; accepted ones get the context,
   * and the answer gets core's headers. The policy is checked now, so a bad one fails at cold start.
   * The event type picks the result type: annotate `event` (or pass the type argument) for payload 2.0.
   */
  protect<E extends ApiGatewayEvent = APIGatewayProxyEvent>(
    handler: ProtectedHandler<E>,
    policy?: AccessPolicy,
  ): LambdaHandler<E>;
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
 *   async (event: APIGatewayProxyEventV2, context, oauth2) => ({ body: `hello ${oauth2.subject}` }),
 *   { scopes: ['read'] },
 * );
 * ```
 */
export function createLambdaResourceServer(options: LambdaResourceServerOptions): LambdaResourceServer {
  const { resourceServer, authenticate, forRoute } = adapterAuthenticator(
    options,
    {
      // Called per request, so after `publicOrigin` below is checked.
      toRsRequest: (event: ApiGatewayEvent, form) =>
        isHttpApiEvent(event)
          ? httpApiRequest(event, form, publicOrigin)
          : restApiRequest(event, form, publicOrigin),
      rejectionResponse,
    },
    LAMBDA_SETTINGS,
  );
  requirePublicUrlForDpop(resourceServer, options.publicUrl, 'publicUrl');
  const publicOrigin = parsePublicOrigin(options.publicUrl);
  return {
    resourceServer,
    authenticate,
    protect<E extends ApiGatewayEvent>(
      handler: ProtectedHandler<E>,
      policy?: AccessPolicy,
    ): LambdaHandler<E> {
      const authenticateRoute = forRoute(policy, 'protect.policy');
      return async (event, context) => {
        const result = await authenticateRoute(event);
        // The rejection fits both result shapes; TypeScript cannot see that through the conditional type.
        if (!result.ok) return result.response as ApiGatewayResult<E>;
        return addHeaders(await handler(event, context, result.context), result.headers);
      };
    },
  };
}
