// The lite Worker built at module scope, as the README of @rs/fetch/lite writes it: see
// workerd-module-scope-worker.ts. Bundled on its own, as workerd-lite-worker.ts is, so that the bundle
// holds only @rs/fetch/lite and @rs/core/lite.
import { env } from 'cloudflare:workers';
import { parseRuntimeAppConfig } from '../app-config.js';
import { fetchLiteApp } from '../fetch-lite-app.js';

const app = fetchLiteApp(parseRuntimeAppConfig(env.RS_APP_CONFIG as string | undefined));

export default {
  fetch(request: Request): Promise<Response> {
    return app(request);
  },
};
