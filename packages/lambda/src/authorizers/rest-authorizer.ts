import type { ResourceServer, RsRequest } from '@rs/core';
import type { FormReading } from '@rs/core/adapter';
import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import type { RestApiEvent } from '../api-gateway-event.js';
import { eventHeaders } from '../request/event-headers.js';
import { restApiRequest } from '../request/rest-api-request.js';
import { authorizerContext, principalOf } from './authorizer-context.js';
import { authorizerDecision, authorizerUnavailable, unauthorized } from './authorizer-decision.js';
import type { AuthorizerSettings } from './authorizer-settings.js';
import { iamPolicy } from './iam-policy.js';
import { parseExecuteApiArn, policyResource } from './method-arn.js';

/**
 * The events of a REST API Lambda authorizer: `TOKEN` (the token source's value in
 * `authorizationToken`) or `REQUEST` (the request's headers, path and query). HTTP APIs send the
 * `REQUEST` shape too when the authorizer uses payload format 1.0.
 */
export type RestAuthorizerEvent = APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent;

/** A REST API Lambda authorizer: export it as the authorizer function's handler. */
export type RestAuthorizerHandler = (event: RestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * Builds a REST API authorizer over `resourceServer`: an accepted token gets an Allow policy with the
 * token's subject as `principalId` and its claims as `context`; a 403 refusal a Deny policy; a 400 or
 * 401 refusal throws `Unauthorized` (API Gateway's 401); an unavailable server throws another error
 * (API Gateway's 500).
 */
export function restAuthorizer(
  resourceServer: ResourceServer,
  form: FormReading,
  settings: AuthorizerSettings,
): RestAuthorizerHandler {
  return async (event) => {
    const request = event.type === 'TOKEN' ? tokenEventRequest(event) : requestEventRequest(event, form);
    if (request === undefined) throw unauthorized();
    const decision = authorizerDecision(await resourceServer.authenticate(request, settings.policy));
    const resource = policyResource(event.methodArn, settings.policyScope ?? 'method');
    switch (decision.outcome) {
      case 'allow':
        return {
          principalId: principalOf(decision.context),
          policyDocument: iamPolicy('Allow', resource),
          context: authorizerContext(decision.context, settings.contextClaims),
        };
      case 'deny':
        return { principalId: principalOf(undefined), policyDocument: iamPolicy('Deny', resource) };
      case 'unauthorized':
        throw unauthorized();
      case 'unavailable':
        throw authorizerUnavailable(decision.code);
    }
  };
}

/**
 * A `TOKEN` event carries no request, only the token source's value and the method ARN: the method and
 * URL core checks come from the ARN (`https://{apiId}.execute-api.{region}.amazonaws.com/{stage}/…`).
 * The token source must be the `Authorization` header, so `authorizationToken` is `Bearer <token>`.
 */
function tokenEventRequest(event: APIGatewayTokenAuthorizerEvent): RsRequest | undefined {
  const arn = parseExecuteApiArn(event.methodArn);
  if (arn === undefined || typeof event.authorizationToken !== 'string') return undefined;
  const host = `${arn.apiId}.execute-api.${arn.region}.amazonaws.com`;
  return {
    method: arn.method,
    url: `https://${host}/${arn.stage}/${arn.path.replace(/[?#]/g, encodeURIComponent)}`,
    // Read as the proxy events' headers are: without the spaces and tabs around the value.
    headers: eventHeaders({ authorization: event.authorizationToken }),
  };
}

/** A `REQUEST` event has the proxy event's request fields, without a body. */
function requestEventRequest(event: APIGatewayRequestAuthorizerEvent, form: FormReading): RsRequest {
  return restApiRequest(event as unknown as RestApiEvent, form);
}
