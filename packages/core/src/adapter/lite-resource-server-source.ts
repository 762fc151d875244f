import type { OptionSchema } from '../config/option-schema.js';
import {
  buildLiteResourceServer,
  LITE_RESOURCE_SERVER_OPTIONS,
  type LiteResourceServerOptions,
} from '../lite/resource-server.js';
import type { ResourceServer } from '../resource-server-types.js';
import { type ResourceServerGiven, resourceServerFromWith } from './sourced-resource-server.js';

/** As `ResourceServerSource`, for an adapter's lite entry: lite options, or a prebuilt resource server. */
export type LiteResourceServerSource = ResourceServerGiven<LiteResourceServerOptions>;

/**
 * As `resourceServerFrom`, with `@rs/core/lite`'s factory: what an adapter's lite entry uses, so that
 * the full resource server is not in its bundle. Options the lite entry leaves out are refused by name.
 *
 * @example
 * ```ts
 * const rs = liteResourceServerFrom({ resolver, realm: 'api' });
 * ```
 */
export function liteResourceServerFrom(
  source: LiteResourceServerSource,
  settings: OptionSchema<object> = {},
): ResourceServer {
  return resourceServerFromWith(source, settings, LITE_RESOURCE_SERVER_OPTIONS, buildLiteResourceServer);
}
