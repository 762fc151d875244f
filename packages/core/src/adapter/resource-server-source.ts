import type { OptionSchema } from '../config/option-schema.js';
import {
  buildResourceServer,
  RESOURCE_SERVER_OPTIONS,
  type ResourceServer,
  type ResourceServerOptions,
} from '../resource-server.js';
import { type ResourceServerGiven, resourceServerFromWith } from './sourced-resource-server.js';

/**
 * An adapter's way to receive a resource server: its options, or one built elsewhere with
 * `createResourceServer` and shared (by several adapters, or with code that calls it directly). Not both:
 * an option of `createResourceServer` beside `resourceServer` does not compile, as it is refused at start-up.
 */
export type ResourceServerSource = ResourceServerGiven<ResourceServerOptions>;

/**
 * The resource server an adapter was given: built from options, or the one passed as `resourceServer`.
 * `settings` is the schema of the adapter's own options, which share the object: any other key is
 * refused, as {@link createResourceServer} refuses it.
 * Every adapter factory calls it first, so each accepts both forms.
 *
 * @example
 * ```ts
 * const rs = resourceServerFrom({ resourceServer: createResourceServer({ resolver }) });
 * ```
 */
export function resourceServerFrom(
  source: ResourceServerSource,
  settings: OptionSchema<object> = {},
): ResourceServer {
  return resourceServerFromWith(source, settings, RESOURCE_SERVER_OPTIONS, buildResourceServer);
}
