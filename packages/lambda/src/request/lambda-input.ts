import type { RsRequest } from '@rs/core';
import type { AdapterAuthResult, FormReading } from '@rs/core/adapter';
import type { ALBEvent, APIGatewayTokenAuthorizerEvent } from 'aws-lambda';
import type { HttpApiEvent, RestApiEvent } from '../api-gateway-event.js';
import { albRequest } from './alb-request.js';
import { httpApiRequest } from './http-api-request.js';
import type { ExecuteApiArn } from './method-arn.js';
import { restApiRequest } from './rest-api-request.js';
import { tokenEventRequest } from './token-event-request.js';

/**
 * An event with the translation it takes. The entry point that received it says which (a proxy handler,
 * `protectAlb`, an authorizer), so every kind goes through one translation, `lambdaRsRequest`, with the
 * same `publicUrl`. Authorizer `REQUEST` events have the proxy events' request fields: `rest-api` for a
 * REST API (or payload 1.0) authorizer, `http-api` for payload 2.0.
 */
export type LambdaInput =
  | { readonly kind: 'rest-api'; readonly event: RestApiEvent }
  | { readonly kind: 'http-api'; readonly event: HttpApiEvent }
  | { readonly kind: 'alb'; readonly event: ALBEvent }
  | {
      readonly kind: 'token-authorizer';
      readonly event: APIGatewayTokenAuthorizerEvent;
      readonly arn: ExecuteApiArn;
    };

/**
 * Core's request for one event; `publicBase` is the checked `publicUrl`, `undefined` when none is set.
 * No event arrives on a connection on this machine's loopback, whatever its `Host` says: it comes from
 * API Gateway, a load balancer or the Lambda service, so core's plain-http exception never applies.
 */
export function lambdaRsRequest(
  input: LambdaInput,
  form: FormReading,
  publicBase: string | undefined,
): RsRequest {
  return { ...translatedEvent(input, form, publicBase), loopbackConnection: false };
}

function translatedEvent(input: LambdaInput, form: FormReading, publicBase: string | undefined): RsRequest {
  switch (input.kind) {
    case 'rest-api':
      return restApiRequest(input.event, form, publicBase);
    case 'http-api':
      return httpApiRequest(input.event, form, publicBase);
    case 'alb':
      return albRequest(input.event, form, publicBase);
    case 'token-authorizer':
      return tokenEventRequest(input.event, input.arn, publicBase);
  }
}

/**
 * Decides one event under a route's policy, checked when the route was built: the adapter's
 * `forRoute`, which translates with {@link lambdaRsRequest} and runs core's pipeline.
 */
export type AuthenticateInput = (input: LambdaInput) => Promise<AdapterAuthResult<unknown>>;
