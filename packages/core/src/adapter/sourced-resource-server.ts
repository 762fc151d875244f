import { requireOption } from '../config/config-error.js';
import { anyValue, checkOptions, isPlainObject, type OptionSchema } from '../config/option-schema.js';
import type { ResourceServer } from '../resource-server-types.js';

/**
 * How an adapter receives its resource server, as `resourceServerFrom` with `@rs/core`'s factory,
 * or `liteResourceServerFrom` with `@rs/core/lite`'s: the adapter takes the one its entry imports.
 */
export type ResourceServerReader<Source> = (
  source: Source,
  settings?: OptionSchema<object>,
) => ResourceServer;

/**
 * `resourceServerFrom` for any factory: its schema (which the adapter's `settings` join) and its
 * builder of checked options.
 */
export function resourceServerFromWith<Options extends object>(
  source: Options | { readonly resourceServer: ResourceServer },
  settings: OptionSchema<object>,
  schema: OptionSchema<object>,
  build: (options: Options) => ResourceServer,
): ResourceServer {
  if (isPlainObject(source) && 'resourceServer' in source) {
    checkOptions(source, { resourceServer: anyValue, ...settings }, '');
    requireOption(
      typeof source.resourceServer?.authenticate === 'function',
      'resourceServer',
      'must be a resource server from createResourceServer(…)',
    );
    return source.resourceServer;
  }
  checkOptions(source, { ...schema, ...settings }, '');
  return build(source as Options);
}
