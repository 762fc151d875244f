import { RsConfigError } from '../config/config-error.js';
import type { ResourceServer } from '../resource-server.js';

/** The answer to `GET` on the metadata path: status, headers and the JSON text, for any framework. */
export interface MetadataAnswer {
  readonly status: 200;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

const METADATA_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  // Public and stable: clients and their caches may keep it a while, as they do server metadata.
  'cache-control': 'public, max-age=300',
});

/**
 * What every adapter's metadata handler sends: the RFC 9728 document of `resourceServer` as it stands now.
 * Throws when the resource server has no `protectedResource` option, so that a route serving metadata
 * without it fails when it is registered (call it once at start-up to check).
 *
 * @example
 * ```ts
 * const answer = protectedResourceMetadataAnswer(resourceServer);
 * res.writeHead(answer.status, answer.headers).end(answer.body);
 * ```
 */
export function protectedResourceMetadataAnswer(resourceServer: ResourceServer): MetadataAnswer {
  const published = publishedMetadata(resourceServer);
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
