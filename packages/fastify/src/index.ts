/**
 * @rs/fastify: protects Fastify routes with OAuth 2.0 access tokens, through @rs/core.
 *
 * @packageDocumentation
 */
import './fastify-augmentation.js';

export { contextOf } from './context-of.js';
export { protectedResourceMetadataRoute } from './metadata-route.js';
export type {
  AuthenticationHook,
  RouteProtectionMode,
  RsFastifyOptions,
  RsFastifySettings,
} from './options.js';
export { fastifyResourceServer, fastifyResourceServer as default, rsFastify } from './plugin.js';
export type { RouteRsConfig } from './route-protection.js';
export { type SecurityEventRouteOptions, securityEventRoute } from './security-event-route.js';
export { rsStatusHandler } from './status-handler.js';
