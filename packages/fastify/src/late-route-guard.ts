import { RsConfigError } from '@rs/core';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  HookHandlerDoneFunction,
  RouteOptions,
} from 'fastify';
import type { RouteProtectionMode } from './options.js';
import { routeName } from './route-protection.js';

const SEEN = Symbol('@rs/fastify.seen');

interface SeenConfig {
  readonly [SEEN]?: true | undefined;
}

/** Marks a route the plugin's `onRoute` hook has decided on. */
export function markRouteSeen(routeOptions: RouteOptions): void {
  routeOptions.config = { ...routeOptions.config, [SEEN]: true } as RouteOptions['config'];
}

/**
 * Fails closed for routes of the plugin's own context that it never saw. `onRoute` only sees routes
 * declared after the plugin loaded, and a route declared right after a registration that was not awaited
 * is declared before it: without this guard such a route would silently run unprotected. Routes of child
 * plugins registered before this one are left alone, as Fastify's other `onRoute`-based plugins do.
 */
export function lateRouteGuard(scope: FastifyInstance, mode: RouteProtectionMode) {
  return function rejectRoutesDeclaredBeforeRs(
    request: FastifyRequest,
    _reply: FastifyReply,
    done: HookHandlerDoneFunction,
  ): void {
    if (request.is404 || request.server !== scope) {
      done();
      return;
    }
    const config = request.routeOptions.config;
    const seen = (config as SeenConfig)[SEEN] === true;
    if (seen || config.rs === false || (config.rs === undefined && mode === 'opt-in')) {
      done();
      return;
    }
    done(
      new RsConfigError(
        routeName(request.method, config.url),
        'was declared before @rs/fastify finished loading, so it cannot be protected: ' +
          '`await app.register(fastifyResourceServer, …)` before declaring routes, or declare them in a plugin registered after it',
      ),
    );
  };
}
