import { fetchHttpClient } from './fetch-http-client.js';
import type { HttpClient } from './http-client.js';

let makeDefault: () => HttpClient = () => fetchHttpClient();

/**
 * The HTTP client of resolvers and key sources given none: the runtime's `fetch` in the portable build;
 * in the Node build of the main entry (the `node` export condition), when the `undici` package is
 * installed, one pooled undici client shared by the process, several times the throughput of `fetch`.
 */
export function defaultHttpClient(): HttpClient {
  return makeDefault();
}

/**
 * Sets what {@link defaultHttpClient} returns. Called once by the Node build of the main entry, before
 * any resolver exists; not public API.
 *
 * @internal
 */
export function useDefaultHttpClient(factory: () => HttpClient): void {
  makeDefault = factory;
}
