/**
 * @rs/core/node: the Node-only parts of @rs (undici HTTP client, file-based secret stores, and for the
 * Fastify and Express adapters the Node request's headers, its lazily read `RsRequest` and the TLS
 * socket's client certificate). What adapters share that needs no Node API is in `@rs/core/adapter`.
 *
 * @packageDocumentation
 */

export { MAX_SECRET_FILE_BYTES } from './bounded-file.js';
export { type DirectorySecretStoreOptions, directorySecretStore } from './directory-secret-store.js';
export { type JwkSetFileStoreOptions, jwkSetFileStore } from './jwk-set-file-store.js';
export { NodeFrameworkRequest } from './node-framework-request.js';
export { type NodeRequestHeaderFields, nodeRequestHeaders } from './node-request.js';
export { MissingPackageError } from './optional-peer.js';
export { type PemSecretFile, type PemSecretStoreOptions, pemSecretStore } from './pem-secret-store.js';
export {
  type Pkcs12Mapping,
  type Pkcs12SecretStoreOptions,
  pkcs12SecretStore,
} from './pkcs12-secret-store.js';
export { tlsClientCertificate } from './tls-client-certificate.js';
export {
  type ClosableHttpClient,
  type UndiciHttpClientOptions,
  undiciHttpClient,
} from './undici-http-client.js';
