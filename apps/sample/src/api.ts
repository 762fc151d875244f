import { jwtResolver, remoteJwks } from '@rs/core';
import { rsFastify } from '@rs/fastify';
import Fastify, { type FastifyInstance } from 'fastify';
import { PROTECTED_ROUTES, reportToken } from './routes.js';

/** Whom the API trusts: the tokens' issuer, the API's own identifier, and where the issuer's keys are. */
export interface ApiConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
}

/** The sample protected API, not yet listening. */
export async function buildApi(config: ApiConfig): Promise<FastifyInstance> {
  const app = Fastify();
  // Awaited: only routes declared after the plugin has loaded can be protected.
  await app.register(rsFastify, {
    resolver: jwtResolver({
      issuer: config.issuer,
      audience: config.audience,
      keys: remoteJwks({ url: config.jwksUrl }),
      profile: 'rfc9068',
    }),
    realm: 'sample',
    // The sample listens on loopback over plain HTTP; a deployed API keeps the default and serves HTTPS.
    requireHttps: false,
  });

  app.get('/', { config: { rs: false } }, async () => ({
    routes: PROTECTED_ROUTES.map(({ path, scopes, description }) => ({ path, scopes, description })),
  }));
  for (const route of PROTECTED_ROUTES) {
    app.get(route.path, { config: { rs: { scopes: route.scopes } } }, async (request) =>
      reportToken(route.path, request),
    );
  }
  return app;
}
