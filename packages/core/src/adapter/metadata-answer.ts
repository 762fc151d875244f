import { RsConfigError } from '../config/config-error.js';
import type { ResourceServer } from '../resource-server.js';

/**
 * The answer to a request on the metadata path, for any framework: status, headers and the body text
 * (the JSON document for `GET`, empty for `HEAD` and for the 405 of any other method).
 */
export interface MetadataAnswer {
  /** 200 for `GET` and `HEAD`, 405 for any other method. */
  readonly status: 200 | 405;
  /** Response headers by lower-case name (`allow` on a 405). */
  readonly headers: Readonly<Record<string, string>>;
  /** The JSON document for `GET`; empty for `HEAD` and 405. */
  readonly body: string;
}

const METADATA_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  // Public and stable: clients and their caches may keep it a while, as they do server metadata.
  'cache-control': 'public, max-age=300',
});

// The document is read-only: RFC 9110 §15.5.6 wants a 405 to say which methods the path allows.
const METHOD_NOT_ALLOWED: MetadataAnswer = Object.freeze({
  status: 405,
  headers: Object.freeze({ allow: 'GET, HEAD' }),
  body: '',
});

/**
 * What every adapter's metadata handler sends for a request with `method` (`GET` when not given): the
 * RFC 9728 document of `resourceServer` as it stands now for `GET`, its headers without a body for
 * `HEAD`, and 405 with `Allow: GET, HEAD` for any other method (methods are case-sensitive, RFC 9110
 * §9.1). Throws when the resource server has no `protectedResource` option, so that a route serving
 * metadata without it fails when it is registered (call it once at start-up to check).
 *
 * @example
 * ```ts
 * const answer = protectedResourceMetadataAnswer(resourceServer, req.method);
 * res.writeHead(answer.status, answer.headers).end(answer.body);
 * ```
 */
export function protectedResourceMetadataAnswer(
  resourceServer: ResourceServer,
  method = 'GET',
): MetadataAnswer {
  const published = publishedMetadata(resourceServer);
  if (method === 'HEAD') return { status: 200, headers: METADATA_HEADERS, body: '' };
  if (method !== 'GET') return METHOD_NOT_ALLOWED;
  return { status: 200, headers: METADATA_HEADERS, body: JSON.stringify(published.document()) };
}

/**
 * The path adapters serve the metadata at (RFC 9728 §3.1), e.g.
 * `/.well-known/oauth-protected-resource/v1` for the resource `https://api.example.com/v1`.
 *
 * @example
 * ```ts
 * app.get(protectedResourceMetadataPath(resourceServer), handler);
 * ```
 */
export function protectedResourceMetadataPath(resourceServer: ResourceServer): string {
  return publishedMetadata(resourceServer).metadataPath;
}

function publishedMetadata(resourceServer: ResourceServer) {
  // An adapter's metadata route takes the core resource server: anything else is refused by name.
  if (typeof resourceServer?.authenticate !== 'function') {
    throw new RsConfigError(
      'resourceServer',
      "must be a resource server: createResourceServer(…), or an adapter resource server's .resourceServer",
    );
  }
  const published = resourceServer.protectedResource;
  if (published === undefined) {
    throw new RsConfigError('protectedResource', 'is needed to serve RFC 9728 metadata');
  }
  return published;
}
