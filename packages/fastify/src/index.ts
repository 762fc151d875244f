/**
 * @rs/fastify: protects Fastify routes with OAuth 2.0 access tokens, through @rs/core.
 *
 * @packageDocumentation
 */
import './fastify-augmentation.js';

export type {
  AuthenticationHook,
  RouteProtectionMode,
  RsFastifyOptions,
  RsFastifySettings,
} from './options.js';
export { rsFastify, rsFastify as default } from './plugin.js';
export { type SecurityEventRouteOptions, securityEventRoute } from './security-event-route.js';
