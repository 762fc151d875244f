// Bundled by the tests with esbuild into one ES module for workerd; its configuration comes from the
// `RS_APP_CONFIG` and `RS_APP_KIND` text bindings. The app is built on the first request: a Worker may
// not start I/O or timers at start-up, and bindings exist only in `fetch`.
import { parseRuntimeAppConfig } from '../app-config.js';
import { appFor } from './app-for.js';

interface Env {
  readonly RS_APP_CONFIG: string;
  readonly RS_APP_KIND: string;
}

let app: ((request: Request) => Promise<Response>) | undefined;

export default {
  fetch(request: Request, env: Env): Promise<Response> {
    app ??= appFor(env.RS_APP_KIND, parseRuntimeAppConfig(env.RS_APP_CONFIG));
    return app(request);
  },
};
