// Started by the tests as `bun src/entries/bun-server.ts`: serves the app on the port it is given.
import { parseRuntimeAppConfig } from '../app-config.js';
import { appFor } from './app-for.js';

declare const Bun: {
  serve(options: { hostname: string; port: number; fetch: (request: Request) => Promise<Response> }): unknown;
  env: Record<string, string | undefined>;
};

const fetch = appFor(Bun.env.RS_APP_KIND, parseRuntimeAppConfig(Bun.env.RS_APP_CONFIG));
Bun.serve({ hostname: '127.0.0.1', port: Number(Bun.env.RS_APP_PORT), fetch });
console.log('listening');
