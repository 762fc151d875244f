/**
 * @rs/hono: protects Hono routes (on Node, Bun, Deno and Cloudflare Workers) with an `@rs/core` resource
 * server. The middleware translates Hono's request to core's request and core's decision to a response or
 * to `c.get('oauth2')`; every check happens in core. Uses no Node-only API.
 *
 * @packageDocumentation
 */
export type { HonoRequestBody } from './hono-request-body.js';
export {
  createHonoResourceServer,
  type HonoAuthResult,
  type HonoResourceServer,
  type HonoResourceServerOptions,
  type HonoResourceServerSettings,
  type OAuth2Env,
  type OptionalOAuth2Env,
} from './hono-resource-server.js';
export { protectedResourceMetadataHandler } from './metadata-handler.js';
export { statusHandler } from './status-handler.js';
