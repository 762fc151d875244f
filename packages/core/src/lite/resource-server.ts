import { notInLite } from '../config/lite-refusal.js';
import { checkOptions, type OptionSchema } from '../config/option-schema.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import {
  buildResourceServerWith,
  PIPELINE_OPTIONS,
  type PipelineOptions,
} from '../resource-server-pipeline.js';
import type { ResourceServer, ResourceServerOptions } from '../resource-server-types.js';

/** A policy of the lite entry: as `AccessPolicy`, without `requireSenderConstrained`. */
export type LiteAccessPolicy = Omit<AccessPolicy, 'requireSenderConstrained'>;

/**
 * Options of the lite `createResourceServer`: those of `@rs/core`'s without sender-constrained tokens
 * (`dpop`, `certificateHeader`, `requireSenderConstrained`, `jwkConfirmation`), `failureResponses`,
 * `protectedResource`, `onAudit` and `telemetry`. Any of them, given from JavaScript, is refused with an
 * `RsConfigError` naming it.
 */
export interface LiteResourceServerOptions extends Omit<PipelineOptions, 'policy'> {
  /** What every request must satisfy; routes may add their own. */
  readonly policy?: LiteAccessPolicy | undefined;
}

/**
 * The options the lite resource server knows, and those it refuses by name (rather than as unknown), so
 * that the error says where to find them.
 */
export const LITE_RESOURCE_SERVER_OPTIONS: OptionSchema<ResourceServerOptions> = {
  ...PIPELINE_OPTIONS,
  onAudit: notInLite,
  telemetry: notInLite,
  failureResponses: notInLite,
  protectedResource: notInLite,
  certificateHeader: notInLite,
  dpop: notInLite,
  requireSenderConstrained: notInLite,
  jwkConfirmation: notInLite,
};

/**
 * Builds a resource server that runs `@rs/core`'s pipeline without its optional stages, for a small
 * bundle (a Worker). It decides every request it can check exactly as `@rs/core`'s does; what it cannot
 * check it refuses: a token bound with `cnf` is `invalid_token`, a `DPoP` authorization is answered as
 * by a server without `dpop`. Options it leaves out throw an `RsConfigError` naming them.
 *
 * @example
 * ```ts
 * import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core/lite';
 *
 * const rs = createResourceServer({
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 *   policy: { scopes: ['read'] },
 * });
 * const result = await rs.authenticate(request);
 * ```
 */
export function createResourceServer(options: LiteResourceServerOptions): ResourceServer {
  checkOptions(options, LITE_RESOURCE_SERVER_OPTIONS, '');
  return buildLiteResourceServer(options);
}

/** Builds a lite resource server from options already checked against {@link LITE_RESOURCE_SERVER_OPTIONS}. */
export function buildLiteResourceServer(options: LiteResourceServerOptions): ResourceServer {
  return buildResourceServerWith(options, NO_FEATURES);
}

const NO_FEATURES = {};
