import { createResourceServer, upstreamHeaders } from '@rs/core';
import { fastifyResourceServer, protectedResourceMetadataRoute } from '@rs/fastify';
import type { FastifyPluginAsync } from 'fastify';
import { request as upstreamRequest } from 'undici';
import { jwtRoutesResolver } from './resolvers.js';
import type { SenderConstrainedSettings } from './sender-constrained-routes.js';
import { startUpstreamApp } from './upstream-app.js';

/** Paths of the gateway routes (issue 12). */
export const PROXY_PREFIX = '/proxy';
export const STEP_UP_PATH = '/step-up';
/** The `acr` the step-up route demands: the sample's client-credentials tokens never carry it. */
export const STEP_UP_ACR = 'urn:rs:sample:mfa';

/** What `/` lists about them. */
export const GATEWAY_ROUTES = [
  {
    path: `${PROXY_PREFIX}/*`,
    scopes: ['read'],
    description:
      "proxies to the sample upstream app with the token claims as X-Token-* headers (the client's own " +
      'X-Token-* and Authorization removed); needs "read"',
  },
  {
    path: STEP_UP_PATH,
    scopes: ['read'],
    description: `needs "read" and a login of class ${STEP_UP_ACR} within 5 minutes (RFC 9470): client-credentials tokens are refused`,
  },
  {
    path: '/.well-known/oauth-protected-resource',
    scopes: [],
    description: 'RFC 9728 metadata of these routes, built from the configuration they enforce; open',
  },
] as const;

// The claims the upstream receives, as NGINX's forwardedClaimsInProxyHeader writes them.
const FORWARDED = upstreamHeaders({ claims: ['sub', 'client_id', 'scope', 'exp', 'iss'] });
// RFC 9110 §7.6.1: connection-specific headers do not cross a proxy; the upstream's own host is set anew.
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
]);

/**
 * The routes a gateway adds around the token check, on one resource server that publishes RFC 9728
 * metadata (its URL in every challenge): `/proxy/*` protecting an upstream app started here, as
 * ForgeRock Identity Gateway's routes protect their `baseURI`, with claims forwarded as NGINX does;
 * `/step-up`, refusing tokens whose login is too weak or too old (RFC 9470); and the metadata document.
 */
export function gatewayRoutes(settings: SenderConstrainedSettings): FastifyPluginAsync {
  return async (app) => {
    const upstream = await startUpstreamApp();
    app.addHook('onClose', () => upstream.close());
    const resourceServer = createResourceServer({
      resolver: jwtRoutesResolver(settings),
      realm: 'sample',
      // The sample listens on loopback over plain HTTP; a deployed API keeps the default and serves HTTPS.
      requireHttps: false,
      protectedResource: {
        resource: settings.publicUrl,
        authorizationServers: [settings.issuer],
        resourceName: '@rs sample API (gateway routes)',
      },
    });
    await app.register(fastifyResourceServer, { resourceServer });
    app.route(protectedResourceMetadataRoute(resourceServer));

    app.get(
      STEP_UP_PATH,
      { config: { rs: { scopes: ['read'], acrValues: [STEP_UP_ACR], maxAge: 300 } } },
      async (request) => ({ route: STEP_UP_PATH, subject: request.oauth2?.subject }),
    );

    app.get(`${PROXY_PREFIX}/*`, { config: { rs: { scopes: ['read'] } } }, async (request, reply) => {
      const context = request.oauth2;
      if (context === null) throw new Error('the route ran without an OAuth2 context');
      const headers = FORWARDED.rewrite(request.headers, context);
      for (const name of HOP_BY_HOP) delete headers[name];
      // The query without the token, should a client send a copy of it there too.
      const path = FORWARDED.rewriteUrl(request.url, context).slice(PROXY_PREFIX.length) || '/';
      const answer = await upstreamRequest(`${upstream.url}${path}`, { method: 'GET', headers });
      const forwardable = Object.entries(answer.headers).filter(([name]) => !HOP_BY_HOP.has(name));
      return reply.code(answer.statusCode).headers(Object.fromEntries(forwardable)).send(answer.body);
    });
  };
}
