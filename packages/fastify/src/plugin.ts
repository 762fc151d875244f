import './fastify-augmentation.js';
import { type ResourceServer, RsConfigError } from '@rs/core';
import {
  anyValue,
  nonEmptyString,
  type OptionSchema,
  oneOf,
  publicBaseUrl,
  requirePublicUrlForDpop,
  resourceServerFrom,
} from '@rs/core/adapter';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import fastifyPlugin from 'fastify-plugin';
import { authenticationHook, isRsHook } from './authentication-hook.js';
import { lateRouteGuard, markRouteSeen } from './late-route-guard.js';
import type {
  AuthenticationHook,
  RouteProtectionMode,
  RsFastifyOptions,
  RsFastifySettings,
} from './options.js';
import { refuseMisspelledRsKey, routeName, routeProtection } from './route-protection.js';

const FASTIFY_SETTINGS: OptionSchema<RsFastifySettings> = {
  protect: oneOf('all', 'opt-in'),
  publicUrl: nonEmptyString,
  hook: oneOf('onRequest', 'preValidation'),
};

/**
 * The register options Fastify itself reads and then passes on to every plugin with ours
 * (`app.register(fastifyResourceServer, { prefix: '/api', ... })`): accepted, not refused as unknown. Fastify checks
 * their values.
 */
const FASTIFY_REGISTER_OPTIONS: OptionSchema<{
  prefix: unknown;
  logLevel: unknown;
  logSerializers: unknown;
}> = {
  prefix: anyValue,
  logLevel: anyValue,
  logSerializers: anyValue,
};

async function rsFastifyPlugin(fastify: FastifyInstance, options: RsFastifyOptions): Promise<void> {
  const resourceServer = resourceServerFrom(options, { ...FASTIFY_SETTINGS, ...FASTIFY_REGISTER_OPTIONS });
  requirePublicUrlForDpop(resourceServer, options.publicUrl, 'publicUrl');
  const mode = protectionMode(options.protect);
  const hook = authenticationHookName(options.hook, resourceServer);
  const publicBase = publicBaseUrl(options.publicUrl, 'publicUrl', options);

  // Registered again in a child context (or a sibling's), the decorator is already there.
  if (!fastify.hasRequestDecorator('oauth2')) fastify.decorateRequest('oauth2', null);
  fastify.addHook('onRequest', lateRouteGuard(fastify, mode));
  fastify.addHook('onRoute', (routeOptions) => {
    markRouteSeen(routeOptions);
    const name = routeName(routeOptions.method, routeOptions.url);
    // An outer registration's hook, added by its onRoute before this one ran, gives way to this one.
    const onRequest = hookList(routeOptions.onRequest).filter((added) => !isRsHook(added));
    const preValidation = hookList(routeOptions.preValidation).filter((added) => !isRsHook(added));
    routeOptions.onRequest = onRequest;
    routeOptions.preValidation = preValidation;
    refuseMisspelledRsKey(routeOptions.config, name);
    const protection = routeProtection(routeOptions.config?.rs, mode, resourceServer, name);
    if (protection === undefined) return;
    const authenticate = authenticationHook(resourceServer, protection, publicBase);
    // First among the route's own hooks, so that they can rely on request.oauth2. A new array: Fastify
    // reuses the caller's options for the automatic HEAD route, which gets its own hook through onRoute.
    if (hook === 'onRequest') routeOptions.onRequest = [authenticate, ...onRequest];
    else routeOptions.preValidation = [authenticate, ...preValidation];
  });
}

function protectionMode(protect: RouteProtectionMode | undefined): RouteProtectionMode {
  if (protect === undefined || protect === 'all' || protect === 'opt-in') return protect ?? 'all';
  throw new RsConfigError('protect', "must be 'all' or 'opt-in'");
}

function authenticationHookName(
  hook: AuthenticationHook | undefined,
  resourceServer: ResourceServer,
): AuthenticationHook {
  if (hook === 'onRequest' && resourceServer.tokenLocations.formBody) {
    // Every form-body token would be missed: onRequest runs before Fastify parses the body.
    throw new RsConfigError(
      'hook',
      "'onRequest' runs before the body is parsed: with tokenLocations.formBody, use 'preValidation'",
    );
  }
  if (hook === 'onRequest' || hook === 'preValidation') return hook;
  if (hook !== undefined) throw new RsConfigError('hook', "must be 'onRequest' or 'preValidation'");
  // Form-body tokens need the parsed body, which onRequest runs before.
  return resourceServer.tokenLocations.formBody ? 'preValidation' : 'onRequest';
}

function hookList<H>(hooks: H | readonly H[] | undefined): readonly H[] {
  if (hooks === undefined) return [];
  return Array.isArray(hooks) ? hooks : [hooks as H];
}

/**
 * The Fastify plugin (named by Fastify's convention for plugins, as `fastifyCors` and `fastifyJwt` are):
 * protects routes with OAuth 2.0 access tokens. It may be registered in several encapsulated contexts,
 * each with its own options; a route gets the registration nearest to it. Each protected route gets a hook that
 * runs the resource server and either answers the rejection (status, `WWW-Authenticate`, JSON body) or
 * sets `request.oauth2`. A route's `config.rs` adds a policy (checked at registration), `true` protects
 * it, `false` leaves it open. Await the registration before declaring routes.
 *
 * @example
 * ```ts
 * await app.register(fastifyResourceServer, {
 *   resolver: jwtResolver({ issuer, audience, keys: remoteJwks({ url: jwksUrl }) }),
 * });
 * app.get('/items', { config: { rs: { scopes: ['read'] } } }, async (request) => request.oauth2?.subject);
 * app.get('/health', { config: { rs: false } }, async () => 'ok');
 * ```
 */
export const fastifyResourceServer: FastifyPluginAsync<RsFastifyOptions> = fastifyPlugin(rsFastifyPlugin, {
  fastify: '5.x',
  name: '@rs/fastify',
});

/**
 * The Fastify plugin under its first name.
 *
 * @deprecated Use {@link fastifyResourceServer}, the same plugin.
 *
 * @example
 * ```ts
 * await app.register(fastifyResourceServer, { resolver });
 * ```
 */
export const rsFastify: FastifyPluginAsync<RsFastifyOptions> = fastifyResourceServer;
