import { type ConformanceRoute, conformanceEcho } from '@rs/testkit';
import { Hono } from 'hono';
import { createHonoResourceServer, type HonoResourceServerOptions } from '../../src/index.js';

/** The conformance routes as a Hono app: each protected by the middleware, answering the echo. */
export function conformanceApp(
  options: HonoResourceServerOptions,
  routes: readonly ConformanceRoute[],
): Hono {
  const rs = createHonoResourceServer(options);
  const app = new Hono();
  for (const route of routes) {
    const echo = rs.protect(route.policy);
    if (route.method === 'GET') app.get(route.path, echo, (c) => c.json(conformanceEcho(c.get('oauth2'))));
    else app.post(route.path, echo, (c) => c.json(conformanceEcho(c.get('oauth2'))));
  }
  return app;
}
