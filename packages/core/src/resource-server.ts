import { checkOptions, func, type OptionSchema, objectWith } from './config/option-schema.js';
import { checkConfirmation } from './confirmation/confirm.js';
import { SENDER_CONSTRAINT_OPTIONS, senderConstraints } from './confirmation/sender-constraints.js';
import { failureResponder } from './failure-answers/failure-responses.js';
import { protectedResource } from './metadata/protected-resource-metadata.js';
import { observeAuthentication } from './observed-authentication.js';
import {
  buildResourceServerWith,
  PIPELINE_OPTIONS,
  type ResourceServerFeatures,
} from './resource-server-pipeline.js';
import type { ResourceServer, ResourceServerOptions } from './resource-server-types.js';

export type {
  AuthAnonymous,
  AuthFailure,
  AuthResult,
  AuthSuccess,
  OptionalAuthResult,
  ResourceServer,
  ResourceServerOptions,
} from './resource-server-types.js';

/** The options {@link createResourceServer} knows; adapters add their own settings to it. */
export const RESOURCE_SERVER_OPTIONS: OptionSchema<ResourceServerOptions> = {
  ...PIPELINE_OPTIONS,
  onAudit: func,
  telemetry: objectWith('telemetry such as otel()', 'attach', 'startRequest'),
  // Checked in depth by failureResponder and protectedResource, which name the member at fault.
  failureResponses: objectWith('an object of failure answers'),
  protectedResource: objectWith('an object with at least `resource`'),
  ...SENDER_CONSTRAINT_OPTIONS,
};

/** Every optional stage: what `@rs/core`'s resource server runs. */
const EVERY_FEATURE: ResourceServerFeatures = {
  senderConstraints: { settle: senderConstraints, confirm: checkConfirmation },
  failureAnswers: failureResponder,
  protectedResource,
  observation: observeAuthentication,
};

/**
 * Builds a resource server. Every option is checked here: a misconfiguration throws an
 * {@link RsConfigError} naming the option, at start-up rather than at the first request.
 *
 * @example
 * ```ts
 * const rs = createResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 *   realm: 'api',
 *   policy: { scopes: ['read'] },
 * });
 * const result = await rs.authenticate(request);
 * if (!result.ok) return send(result.rejection.status, result.rejection.headers, result.rejection.body);
 * ```
 */
export function createResourceServer(options: ResourceServerOptions): ResourceServer {
  checkOptions(options, RESOURCE_SERVER_OPTIONS, '');
  return buildResourceServer(options);
}

/** Builds a resource server from options already checked against {@link RESOURCE_SERVER_OPTIONS}. */
export function buildResourceServer(options: ResourceServerOptions): ResourceServer {
  return buildResourceServerWith(options, EVERY_FEATURE);
}
