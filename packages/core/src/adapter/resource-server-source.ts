import { requireOption } from '../config/config-error.js';
import { createResourceServer, type ResourceServer, type ResourceServerOptions } from '../resource-server.js';

/**
 * An adapter's way to receive a resource server: its options, or one built elsewhere with
 * `createResourceServer` and shared (by several adapters, or with code that calls it directly).
 */
export type ResourceServerSource = ResourceServerOptions | { readonly resourceServer: ResourceServer };

/**
 * The resource server an adapter was given: built from options, or the one passed as `resourceServer`.
 * Every adapter factory calls it first, so each accepts both forms.
 *
 * @example
 * ```ts
 * const rs = resourceServerFrom({ resourceServer: createResourceServer({ resolver }) });
 * ```
 */
export function resourceServerFrom(source: ResourceServerSource): ResourceServer {
  requireOption(typeof source === 'object' && source !== null, 'options', 'must be an object');
  if ('resourceServer' in source) {
    requireOption(
      typeof source.resourceServer?.authenticate === 'function',
      'resourceServer',
      'must be a resource server from createResourceServer(…)',
    );
    return source.resourceServer;
  }
  return createResourceServer(source);
}
