import { createResourceServer } from '@rs/core';
import { createFetchResourceServer } from '@rs/fetch';
import type { RuntimeAppConfig } from './app-config.js';
import {
  contextEcho,
  RUNTIME_ROUTES,
  runtimeName,
  runtimeResourceServers,
} from './resource-server-options.js';

type FetchHandler = (request: Request) => Promise<Response>;

/**
 * The app under test built on @rs/fetch: every route of {@link RUNTIME_ROUTES}, plus `/core/items`,
 * which calls @rs/core's `authenticate` itself with no adapter, and `/health`.
 */
export function fetchApp(config: RuntimeAppConfig): FetchHandler {
  const servers = runtimeResourceServers(config);
  const adapters = {
    jwt: createFetchResourceServer(servers.jwt),
    introspection: createFetchResourceServer(servers.introspection),
    dpop: createFetchResourceServer({ ...servers.dpop, publicUrl: config.publicUrl }),
  };
  const routes = new Map<string, FetchHandler>(
    RUNTIME_ROUTES.map((route) => [
      `${route.method} ${route.path}`,
      adapters[route.server].protect((_request, oauth2) => Response.json(contextEcho(oauth2)), route.policy),
    ]),
  );
  routes.set('GET /core/items', pureCoreRoute(config));
  routes.set('GET /health', async () => new Response(runtimeName()));
  return async (request) => {
    const route = routes.get(`${request.method} ${new URL(request.url).pathname}`);
    return route ? route(request) : new Response(null, { status: 404 });
  };
}

/** The core alone, as an application without an adapter uses it. */
function pureCoreRoute(config: RuntimeAppConfig): FetchHandler {
  const resourceServer = createResourceServer(runtimeResourceServers(config).jwt);
  return async (request) => {
    const headers = Object.fromEntries(request.headers);
    const result = await resourceServer.authenticate(
      { method: request.method, url: request.url, headers },
      { scopes: ['read'] },
    );
    if (!result.ok) {
      const { status, headers: answer, body } = result.rejection;
      return new Response(JSON.stringify(body), { status, headers: answer });
    }
    return Response.json(contextEcho(result.context), { headers: result.headers });
  };
}
