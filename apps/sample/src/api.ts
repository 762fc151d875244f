import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core';
import Fastify, { type FastifyInstance } from 'fastify';
import { protect } from './protect.js';
import { PROTECTED_ROUTES, reportToken } from './routes.js';

/** Whom the API trusts: the tokens' issuer, the API's own identifier, and where the issuer's keys are. */
export interface ApiConfig {
  readonly issuer: string;
  readonly audience: string;
  readonly jwksUrl: string;
}

/** The sample protected API, not yet listening. */
export function buildApi(config: ApiConfig): FastifyInstance {
  const rs = createResourceServer({
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

  const app = Fastify();
  app.get('/', async () => ({
    routes: PROTECTED_ROUTES.map(({ path, scopes, description }) => ({ path, scopes, description })),
  }));
  for (const route of PROTECTED_ROUTES) {
    app.get(route.path, { onRequest: protect(rs, { scopes: route.scopes }) }, async (request) =>
      reportToken(route.path, request),
    );
  }
  return app;
}
