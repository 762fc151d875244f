/**
 * @rs/core as Node loads it (the `node` export condition): the same API as the portable entry, with
 * signatures checked by `node:crypto` (`signatureVerifier: 'auto'`), and the pooled undici client as the
 * default HTTP client for JWK set fetches and introspection wherever the `undici` package is installed
 * (an optional peer dependency: `npm install undici`), and the runtime's `fetch` otherwise. Other
 * runtimes and bundles for Workers or browsers get the portable entry, which carries neither.
 *
 * @packageDocumentation
 */
import { useCompactJwsSpellingProof } from './encoding/compact-jws-spelling.js';
import { nodeCompactJwsSpellingProof } from './encoding/node-compact-jws-spelling.js';
import { useDefaultHttpClient } from './http/default-http-client.js';
import { fetchHttpClient } from './http/fetch-http-client.js';
import type { HttpClient } from './http/http-client.js';
import { nodeSignatureCheck } from './jose/node-signature-check.js';
import { useRuntimeSignatureCheck } from './jose/runtime-signature-check.js';
import { optionalPeerInstalled } from './node/optional-peer.js';
import { undiciHttpClient } from './node/undici-http-client.js';

// One pool for the process, made on first use: importing @rs/core opens nothing and loads no undici.
let shared: HttpClient | undefined;
useDefaultHttpClient(() => {
  shared ??= optionalPeerInstalled('undici') ? undiciHttpClient() : fetchHttpClient();
  return shared;
});

// Kept out of the portable entry: a Worker bundle then carries no Node-only code.
useRuntimeSignatureCheck(nodeSignatureCheck);
useCompactJwsSpellingProof(nodeCompactJwsSpellingProof);

export * from './index.js';
