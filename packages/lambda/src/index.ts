/**
 * @rs/lambda: protects AWS Lambda functions behind API Gateway (REST API proxy events and HTTP API
 * payload 2.0, which Lambda function URLs share) with an `@rs/core` resource server. It translates events
 * to core's requests and core's decisions to results; every check happens in core.
 *
 * @packageDocumentation
 */
export type { ApiGatewayEvent, ApiGatewayResult, HttpApiEvent, RestApiEvent } from './api-gateway-event.js';
export {
  createLambdaResourceServer,
  type LambdaAuthResult,
  type LambdaHandler,
  type LambdaResourceServer,
  type LambdaResourceServerOptions,
  type LambdaResourceServerSettings,
  type ProtectedHandler,
} from './lambda-resource-server.js';
export { type LambdaMetadataResponse, protectedResourceMetadataHandler } from './metadata-handler.js';
export type { LambdaRejectionResponse } from './response/rejection-response.js';
export { withAuth } from './with-auth.js';
