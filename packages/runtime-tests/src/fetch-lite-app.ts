import { createResourceServer, jwtResolver, remoteJwks } from '@rs/core/lite';
import { createFetchResourceServer } from '@rs/fetch/lite';
import type { RuntimeAppConfig } from './app-config.js';
import { contextEcho, RUNTIME_ROUTES, runtimeName } from './resource-server-options.js';

type FetchHandler = (request: Request) => Promise<Response>;

/**
 * The app under test built on @rs/fetch/lite and @rs/core/lite: the JWT routes of {@link RUNTIME_ROUTES}
 * (the lite entries have neither introspection nor DPoP), `/core/items` on the lite core alone, and
 * `/health`. Its Worker bundle holds only the lite entries.
 */
export function fetchLiteApp(config: RuntimeAppConfig): FetchHandler {
  const options = {
    resolver: jwtResolver({
      issuer: config.issuer,
      audience: config.audience,
      keys: remoteJwks({ url: config.jwksUri, minFetchInterval: 0 }),
      profile: 'rfc9068',
    }),
    realm: 'runtime',
    requireHttps: false,
    tokenLocations: { authorizationHeader: true, query: true, formBody: true },
  } as const;
  const adapter = createFetchResourceServer(options);
  const routes = new Map<string, FetchHandler>(
    RUNTIME_ROUTES.filter((route) => route.server === 'jwt').map((route) => [
      `${route.method} ${route.path}`,
      adapter.protect((_request, oauth2) => Response.json(contextEcho(oauth2)), route.policy),
    ]),
  );
  const core = createResourceServer(options);
  routes.set('GET /core/items', async (request) => {
    const result = await core.authenticate(
      { method: request.method, url: request.url, headers: Object.fromEntries(request.headers) },
      { scopes: ['read'] },
    );
    if (!result.ok) {
      const { status, headers, body } = result.rejection;
      return new Response(JSON.stringify(body), { status, headers });
    }
    return Response.json(contextEcho(result.context), { headers: result.headers });
  });
  routes.set('GET /health', async () => new Response(runtimeName()));
  return async (request) => {
    const route = routes.get(`${request.method} ${new URL(request.url).pathname}`);
    return route ? route(request) : new Response(null, { status: 404 });
  };
}
