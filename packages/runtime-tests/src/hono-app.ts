import { createHonoResourceServer } from '@rs/hono';
import { Hono } from 'hono';
import type { RuntimeAppConfig } from './app-config.js';
import {
  contextEcho,
  RUNTIME_ROUTES,
  runtimeName,
  runtimeResourceServers,
} from './resource-server-options.js';

/** The app under test built on @rs/hono: every route of {@link RUNTIME_ROUTES}, and `/health`. */
export function honoApp(config: RuntimeAppConfig): Hono {
  const servers = runtimeResourceServers(config);
  const middleware = {
    jwt: createHonoResourceServer(servers.jwt),
    introspection: createHonoResourceServer(servers.introspection),
    dpop: createHonoResourceServer({ ...servers.dpop, publicUrl: config.publicUrl }),
  };
  const app = new Hono();
  for (const route of RUNTIME_ROUTES) {
    app.on(route.method, route.path, middleware[route.server].protect(route.policy), (c) =>
      c.json(contextEcho(c.get('oauth2'))),
    );
  }
  app.get('/health', (c) => c.text(runtimeName()));
  return app;
}
