import type {
  APIGatewayIAMAuthorizerResult,
  APIGatewayRequestAuthorizerEventV2,
  APIGatewaySimpleAuthorizerResult,
} from 'aws-lambda';
import type { HttpApiEvent } from '../api-gateway-event.js';
import type { AuthenticateInput } from '../request/lambda-input.js';
import { policyResource } from '../request/method-arn.js';
import { type AuthorizerContext, authorizerContext, principalOf } from './authorizer-context.js';
import {
  type AuthorizerDecision,
  authorizerDecision,
  authorizerUnavailable,
  unauthorized,
} from './authorizer-decision.js';
import type { AuthorizerSettings } from './authorizer-settings.js';
import { iamPolicy } from './iam-policy.js';

/** The decision for an event that is no event: refused, as a request without a token is. */
const REFUSED: AuthorizerDecision = { outcome: 'unauthorized', status: 401, code: 'token_missing' };

/** The event of an HTTP API Lambda authorizer with payload format 2.0. */
export type HttpApiAuthorizerEvent = APIGatewayRequestAuthorizerEventV2;

/** A simple response (`enableSimpleResponses`): `isAuthorized`, and the claims as `context` when it is. */
export type HttpApiSimpleAuthorizerResult = APIGatewaySimpleAuthorizerResult & {
  /** The token's claims for the integration (`event.requestContext.authorizer.lambda`); absent when refused. */
  readonly context?: AuthorizerContext | undefined;
};

/** How an HTTP API authorizer answers: simple responses (`isAuthorized`), or IAM policies. */
export interface HttpApiAuthorizerSettings extends AuthorizerSettings {
  /** `'simple'` (default) when the authorizer has simple responses enabled, else `'iam'`. */
  readonly response?: 'simple' | 'iam' | undefined;
}

/** An HTTP API authorizer answering with simple responses. */
export type HttpApiSimpleAuthorizerHandler = (
  event: HttpApiAuthorizerEvent,
) => Promise<HttpApiSimpleAuthorizerResult>;

/** An HTTP API authorizer answering with IAM policies. */
export type HttpApiIamAuthorizerHandler = (
  event: HttpApiAuthorizerEvent,
) => Promise<APIGatewayIAMAuthorizerResult>;

/**
 * Builds an HTTP API authorizer (payload format 2.0) over `authenticate` (the adapter's, with the
 * authorizer's policy; events are translated as the proxy handlers' are, `publicUrl` included). An HTTP
 * API turns every refusal into 403 (a missing identity source is answered 401 by API Gateway before the
 * authorizer runs): a refused token is `isAuthorized: false`, or a Deny policy. An unavailable server
 * throws, which API Gateway answers with 500; it never allows.
 */
export function httpApiAuthorizer(
  authenticate: AuthenticateInput,
  settings: HttpApiAuthorizerSettings,
): HttpApiSimpleAuthorizerHandler | HttpApiIamAuthorizerHandler {
  const decide = async (event: HttpApiAuthorizerEvent) => {
    // Not an event at all (built by hand): nothing to authorize.
    if (typeof event !== 'object' || event === null) return REFUSED;
    // The authorizer event has the proxy event's request fields, without a body: translated as they are.
    const input = { kind: 'http-api', event: event as unknown as HttpApiEvent } as const;
    const decision = authorizerDecision(await authenticate(input));
    if (decision.outcome === 'unavailable') throw authorizerUnavailable(decision.code);
    return decision;
  };
  if (settings.response === 'iam') {
    return async (event) => {
      // No route ARN, no invocation to allow or deny: API Gateway's 401, as for a refused token.
      if (typeof event?.routeArn !== 'string') throw unauthorized();
      const decision = await decide(event);
      const resource = policyResource(event.routeArn, settings.policyScope ?? 'method');
      if (decision.outcome !== 'allow') {
        return { principalId: principalOf(undefined), policyDocument: iamPolicy('Deny', resource) };
      }
      return {
        principalId: principalOf(decision.context),
        policyDocument: iamPolicy('Allow', resource),
        context: authorizerContext(decision.context, settings.contextClaims),
      };
    };
  }
  return async (event): Promise<HttpApiSimpleAuthorizerResult> => {
    const decision = await decide(event);
    if (decision.outcome !== 'allow') return { isAuthorized: false };
    return { isAuthorized: true, context: authorizerContext(decision.context, settings.contextClaims) };
  };
}
