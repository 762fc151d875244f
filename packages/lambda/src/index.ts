/**
 * @rs/lambda: protects AWS Lambda functions behind API Gateway (REST API proxy events and HTTP API
 * payload 2.0, which Lambda function URLs share) and Application Load Balancers, and serves as an API
 * Gateway Lambda authorizer (REST TOKEN / REQUEST, HTTP API simple or IAM responses), with an
 * `@rs/core` resource server. It translates events to core's requests and core's decisions to results;
 * every check happens in core.
 *
 * @packageDocumentation
 */
export type { ApiGatewayEvent, ApiGatewayResult, HttpApiEvent, RestApiEvent } from './api-gateway-event.js';
export type { AuthorizerContext } from './authorizers/authorizer-context.js';
export type { AuthorizerSettings } from './authorizers/authorizer-settings.js';
export type {
  HttpApiAuthorizerEvent,
  HttpApiAuthorizerSettings,
  HttpApiIamAuthorizerHandler,
  HttpApiSimpleAuthorizerHandler,
  HttpApiSimpleAuthorizerResult,
} from './authorizers/http-api-authorizer.js';
export type { RestAuthorizerEvent, RestAuthorizerHandler } from './authorizers/rest-authorizer.js';
export type {
  LambdaHandler,
  OptionallyProtectedAlbHandler,
  OptionallyProtectedHandler,
  ProtectedAlbHandler,
  ProtectedHandler,
} from './handlers.js';
export {
  createLambdaResourceServer,
  type LambdaAuthResult,
  type LambdaResourceServer,
  type LambdaResourceServerOptions,
  type LambdaResourceServerSettings,
} from './lambda-resource-server.js';
export {
  type LambdaMetadataEvent,
  type LambdaMetadataResponse,
  protectedResourceMetadataHandler,
} from './metadata-handler.js';
export type { LambdaRejectionResponse } from './response/rejection-response.js';
export { statusHandler } from './status-handler.js';
export { withAuth } from './with-auth.js';
