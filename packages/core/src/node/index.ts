/**
 * @rs/core/node: the Node-only parts of @rs (undici HTTP client; later file stores and TLS helpers).
 *
 * @packageDocumentation
 */

export {
  type NodeRequestHeaderFields,
  nodeRequestHeaders,
  parsedFormBody,
  publicBaseUrl,
  requestUrl,
} from './node-request.js';
export { type UndiciHttpClientOptions, undiciHttpClient } from './undici-http-client.js';
