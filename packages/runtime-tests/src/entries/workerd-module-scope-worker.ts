// The Worker as the README examples write it: the app is built at module scope, once, when workerd loads
// the Worker ("build once, at start-up"), not on the first request as workerd-worker.ts does. There the
// clock stands at 0 (time advances only while a request is handled) and random values may not be drawn:
// a factory that reads either while it runs keeps the Worker from starting. Configured by the same
// bindings, read from `cloudflare:workers`, which offers them at module scope.
//
// Beside the app, `/module-scope/items` is protected by a server that holds what else a Worker builds at
// start-up and that needs the time or randomness later: DPoP nonces with a random secret
// (rotatingDpopNonces()) and a revocation list, which `POST /module-scope/revocations` feeds (by subject).
import { env } from 'cloudflare:workers';
import { jwtResolver, remoteJwks, revocationList, rotatingDpopNonces } from '@rs/core';
import { createFetchResourceServer } from '@rs/fetch';
import { parseRuntimeAppConfig } from '../app-config.js';
import { contextEcho } from '../resource-server-options.js';
import { appFor } from './app-for.js';

const config = parseRuntimeAppConfig(env.RS_APP_CONFIG as string | undefined);
const app = appFor(env.RS_APP_KIND as string | undefined, config);

const revocations = revocationList();
const moduleScopeServer = createFetchResourceServer({
  resolver: jwtResolver({
    issuer: config.issuer,
    audience: config.audience,
    keys: remoteJwks({ url: config.jwksUri, minFetchInterval: 0 }),
    profile: 'rfc9068',
    revocations,
  }),
  dpop: { nonces: rotatingDpopNonces() },
  publicUrl: config.publicUrl,
  realm: 'runtime',
  requireHttps: false,
});
const moduleScopeItems = moduleScopeServer.protect((_request, oauth2) => Response.json(contextEcho(oauth2)));

/** Revokes the tokens of the subject the form names (`by=sub&value=alice`): 204 once done. */
async function revoke(request: Request): Promise<Response> {
  const form = await request.formData();
  await revocations.revoke({ by: 'sub', value: String(form.get('value')) });
  return new Response(null, { status: 204 });
}

export default {
  fetch(request: Request): Promise<Response> {
    const { pathname } = new URL(request.url);
    if (pathname === '/module-scope/items') return moduleScopeItems(request);
    if (pathname === '/module-scope/revocations' && request.method === 'POST') return revoke(request);
    return app(request);
  },
};
