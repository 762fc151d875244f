// Started by the tests as `deno run src/entries/deno-server.ts`: serves the app on the port it is given.
import { parseRuntimeAppConfig } from '../app-config.js';
import { appFor } from './app-for.js';

declare const Deno: {
  serve(
    options: { hostname: string; port: number; onListen?: () => void },
    handler: (request: Request) => Promise<Response>,
  ): unknown;
  env: { get(name: string): string | undefined };
};

const handler = appFor(Deno.env.get('RS_APP_KIND'), parseRuntimeAppConfig(Deno.env.get('RS_APP_CONFIG')));
Deno.serve(
  {
    hostname: '127.0.0.1',
    port: Number(Deno.env.get('RS_APP_PORT')),
    onListen: () => console.log('listening'),
  },
  handler,
);
