// The Worker of the `fetch-lite` app, bundled on its own so that the bundle workerd runs holds only
// @rs/fetch/lite and @rs/core/lite (what a Worker importing the lite entries ships). As
// workerd-worker.ts: configured by the `RS_APP_CONFIG` binding, built on the first request.
import { parseRuntimeAppConfig } from '../app-config.js';
import { fetchLiteApp } from '../fetch-lite-app.js';

interface Env {
  readonly RS_APP_CONFIG: string;
}

let app: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    app ??= fetchLiteApp(parseRuntimeAppConfig(env.RS_APP_CONFIG));
    return app(request);
  },
};
