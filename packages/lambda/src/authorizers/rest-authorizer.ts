import type {
  APIGatewayAuthorizerResult,
  APIGatewayRequestAuthorizerEvent,
  APIGatewayTokenAuthorizerEvent,
} from 'aws-lambda';
import type { RestApiEvent } from '../api-gateway-event.js';
import type { AuthenticateInput, LambdaInput } from '../request/lambda-input.js';
import { parseExecuteApiArn, policyResource } from '../request/method-arn.js';
import { authorizerContext, principalOf } from './authorizer-context.js';
import { authorizerDecision, authorizerUnavailable, unauthorized } from './authorizer-decision.js';
import type { AuthorizerSettings } from './authorizer-settings.js';
import { iamPolicy } from './iam-policy.js';

/**
 * The events of a REST API Lambda authorizer: `TOKEN` (the token source's value in
 * `authorizationToken`) or `REQUEST` (the request's headers, path and query). HTTP APIs send the
 * `REQUEST` shape too when the authorizer uses payload format 1.0.
 */
export type RestAuthorizerEvent = APIGatewayTokenAuthorizerEvent | APIGatewayRequestAuthorizerEvent;

/** A REST API Lambda authorizer: export it as the authorizer function's handler. */
export type RestAuthorizerHandler = (event: RestAuthorizerEvent) => Promise<APIGatewayAuthorizerResult>;

/**
 * Builds a REST API authorizer over `authenticate` (the adapter's, with the authorizer's policy): an
 * accepted token gets an Allow policy with the token's subject as `principalId` and its claims as
 * `context`; a 403 refusal a Deny policy; a 400 or 401 refusal throws `Unauthorized` (API Gateway's 401);
 * an unavailable server throws another error (API Gateway's 500). Events are translated as the proxy
 * handlers' are, `publicUrl` included.
 */
export function restAuthorizer(
  authenticate: AuthenticateInput,
  settings: AuthorizerSettings,
): RestAuthorizerHandler {
  return async (event) => {
    // No method ARN, no invocation to allow or deny (an event built by hand, or not API Gateway's).
    if (typeof event !== 'object' || event === null || typeof event.methodArn !== 'string')
      throw unauthorized();
    const input = authorizerInput(event);
    if (input === undefined) throw unauthorized();
    const decision = authorizerDecision(await authenticate(input));
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
 * What core decides on. A `REQUEST` event has the proxy event's request fields, without a body. A `TOKEN`
 * event carries no request, only the token source's value and the method ARN: without a readable ARN or
 * a token it is no method invocation at all (`undefined`).
 */
function authorizerInput(event: RestAuthorizerEvent): LambdaInput | undefined {
  if (event.type !== 'TOKEN') return { kind: 'rest-api', event: event as unknown as RestApiEvent };
  const arn = parseExecuteApiArn(event.methodArn);
  if (arn === undefined || typeof event.authorizationToken !== 'string') return undefined;
  return { kind: 'token-authorizer', event, arn };
}
