import type { AccessTokenResolver } from '@rs/core';
import { fastifyResourceServer } from '@rs/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { adminRoutes, EVICT_PATH } from './admin-routes.js';
import { amRoutesResolvers } from './am-resolvers.js';
import {
  type ConsoleSettings,
  sampleConsole,
  sendConsolePage,
  wantsConsolePage,
} from './console/console-routes.js';
import { GATEWAY_ROUTES, gatewayRoutes } from './gateway-routes.js';
import { boundClose } from './http-server.js';
import { type IntrospectionSettings, introspectionRoutesResolvers, jwtRoutesResolver } from './resolvers.js';
import { REVOCATION_ROUTES, revocationRoutes } from './revocation-routes.js';
import { PROTECTED_ROUTES, reportToken, type Validation } from './routes.js';
import {
  SENDER_CONSTRAINED_ROUTES,
  type SenderConstrainedSettings,
  senderConstrainedRoutes,
} from './sender-constrained-routes.js';

/** What the API trusts: JWTs of an issuer, and, when configured, opaque tokens checked by introspection. */
export interface ApiConfig extends SenderConstrainedSettings {
  /** Absent: the introspection routes (and the eviction route) are not mounted. */
  readonly introspection?: IntrospectionSettings;
  /** With the embedded authorization server: the console page at `/` (for browsers). */
  readonly console?: ConsoleSettings;
}

/** Why `/` lists no introspection routes, when it does not. */
export const INTROSPECTION_NOT_MOUNTED =
  'not mounted: set RS_INTROSPECTION_CLIENT_ID and RS_INTROSPECTION_CLIENT_SECRET (and RS_INTROSPECTION_URL ' +
  'unless the issuer publishes it) to check opaque tokens by introspection';

/**
 * The sample protected API, not yet listening. The plugin protects with one resource server per
 * registration, so each way of validating tokens gets its own encapsulated context holding its plugin
 * and its routes; the root context holds only open routes.
 */
export async function buildApi(config: ApiConfig): Promise<FastifyInstance> {
  const app = Fastify();
  boundClose(app);
  const am = amRoutesResolvers();
  const resolvers = new Map<Validation, AccessTokenResolver>([
    ['jwt', jwtRoutesResolver(config)],
    // The Access Management routes trust the sample's demo keys, whatever the JWT routes trust.
    ['am-keystore', am.keystore],
    ['am-encrypted', am.encrypted],
  ]);
  if (config.introspection) {
    const { perRequest, cached } = introspectionRoutesResolvers(config.introspection);
    resolvers.set('introspection', perRequest).set('introspection-cached', cached);
    await app.register(adminRoutes(cached));
  }
  // /mtls-header and /dpop (issue 5); /mtls-certificate needs TLS and lives on its own listener.
  await app.register(senderConstrainedRoutes(config));
  // /proxy/*, /step-up and the RFC 9728 metadata (issue 12).
  await app.register(gatewayRoutes(config));
  // /rs-revocable, /ssf/events and /demo/revoke (issue 12): revocation pushed as Security Event Tokens.
  await app.register(await revocationRoutes(config));
  const mounted = PROTECTED_ROUTES.filter((route) => resolvers.has(route.validation));
  if (config.console) await app.register(sampleConsole(config.console, mounted, resolvers));

  app.get('/', async (request, reply) =>
    config.console && wantsConsolePage(request)
      ? sendConsolePage(reply)
      : {
          routes: mounted.map(({ path, validation, scopes, description }) => ({
            path,
            validation,
            scopes,
            description,
          })),
          senderConstrained: SENDER_CONSTRAINED_ROUTES,
          gateway: GATEWAY_ROUTES,
          revocation: REVOCATION_ROUTES,
          ...(config.introspection
            ? {
                demo: {
                  method: 'POST',
                  path: EVICT_PATH,
                  description:
                    'DEMONSTRATION ONLY, loopback callers only: forgets a token (form or JSON "token") in the ' +
                    'cache of /rs-introspect-cache, as a revocation event would',
                },
              }
            : { introspection: INTROSPECTION_NOT_MOUNTED }),
        },
  );

  for (const [validation, resolver] of resolvers) {
    await app.register(async (scope) => {
      // Awaited: only routes declared after the plugin has loaded can be protected.
      await scope.register(fastifyResourceServer, {
        resolver,
        realm: 'sample',
        // The sample listens on loopback over plain HTTP; a deployed API keeps the default and serves HTTPS.
        requireHttps: false,
      });
      for (const route of mounted.filter((r) => r.validation === validation)) {
        scope.get(route.path, { config: { rs: { scopes: route.scopes } } }, async (request) =>
          reportToken(route.path, request),
        );
      }
    });
  }
  return app;
}
