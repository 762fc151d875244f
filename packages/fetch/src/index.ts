/**
 * @rs/fetch: protects Fetch API handlers (`(request: Request) => Response`, as served by Node, Bun, Deno
 * and Cloudflare Workers) with an `@rs/core` resource server. It translates requests to core's requests
 * and core's decisions to responses; every check happens in core. Uses no Node-only API.
 *
 * @packageDocumentation
 */
export {
  createFetchResourceServer,
  type FetchAuthResult,
  type FetchResourceServer,
  type FetchResourceServerOptions,
  type FetchResourceServerSettings,
  type OptionallyProtectedFetchHandler,
  type ProtectedFetchHandler,
} from './fetch-resource-server.js';
export { protectedResourceMetadataHandler } from './metadata-handler.js';
export { statusHandler } from './status-handler.js';
