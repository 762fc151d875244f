/**
 * @rs/core as Node loads it (the `node` export condition): the same API as the portable entry, with
 * the pooled undici client as the default HTTP client for JWK set fetches and introspection. Other
 * runtimes and bundles for Workers or browsers get the portable entry, which never imports undici.
 *
 * @packageDocumentation
 */
import { useDefaultHttpClient } from './http/default-http-client.js';
import type { HttpClient } from './http/http-client.js';
import { undiciHttpClient } from './node/undici-http-client.js';

// One pool for the process, made on first use: importing @rs/core opens nothing.
let shared: HttpClient | undefined;
useDefaultHttpClient(() => {
  shared ??= undiciHttpClient();
  return shared;
});

export * from './index.js';
