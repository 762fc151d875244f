import type { ResourceServer } from '@rs/core';
import { protectedResourceMetadataAnswer, protectedResourceMetadataPath } from '@rs/core/adapter';
import type { Context } from 'hono';

/**
 * A Hono handler for the RFC 9728 metadata of a resource server built with a `protectedResource` option:
 * what the `resource_metadata` of its challenges points at. Route `path`
 * (`/.well-known/oauth-protected-resource` plus the resource's path, RFC 9728 §3.1) to it with `app.all`,
 * unprotected (clients read it without a token): GET and HEAD get the metadata, other methods 405 with
 * `Allow`. Throws at start-up when the resource server publishes no metadata.
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadataHandler(rs.resourceServer);
 * app.all(metadata.path, metadata.handler);
 * ```
 */
export function protectedResourceMetadataHandler(resourceServer: ResourceServer): {
  readonly path: string;
  readonly handler: (c: Context) => Response;
} {
  const path = protectedResourceMetadataPath(resourceServer);
  return {
    path,
    handler(c) {
      // For HEAD, Hono routes the request as a GET and drops the body itself.
      const answer = protectedResourceMetadataAnswer(resourceServer, c.req.method);
      const headers = { ...answer.headers };
      return answer.body === ''
        ? c.body(null, answer.status, headers)
        : c.body(answer.body, answer.status, headers);
    },
  };
}
