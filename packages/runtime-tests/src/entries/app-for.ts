import type { RuntimeAppConfig } from '../app-config.js';
import { fetchApp } from '../fetch-app.js';
import { fetchLiteApp } from '../fetch-lite-app.js';
import { honoApp } from '../hono-app.js';

/**
 * Which app a runtime serves: `fetch` (@rs/fetch and the pure core), `fetch-lite` (@rs/fetch/lite and
 * @rs/core/lite) or `hono` (@rs/hono).
 */
export type RuntimeAppKind = 'fetch' | 'fetch-lite' | 'hono';

export function appFor(
  kind: string | undefined,
  config: RuntimeAppConfig,
): (request: Request) => Promise<Response> {
  if (kind === 'hono') {
    const app = honoApp(config);
    return async (request) => app.fetch(request);
  }
  if (kind === 'fetch') return fetchApp(config);
  if (kind === 'fetch-lite') return fetchLiteApp(config);
  throw new Error(`unknown app kind: ${kind}`);
}
