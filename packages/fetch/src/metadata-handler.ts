import type { ResourceServer } from '@rs/core';
import { protectedResourceMetadataAnswer, protectedResourceMetadataPath } from '@rs/core/adapter';

/**
 * A Fetch handler for the RFC 9728 metadata of a resource server built with a `protectedResource`
 * option. Route `path` (`/.well-known/oauth-protected-resource` plus the resource's path, RFC 9728 §3.1)
 * to it, unprotected: clients read it without a token. Methods other than GET and HEAD get 405. Throws at
 * start-up when the resource server publishes no metadata.
 *
 * @example
 * ```ts
 * const metadata = protectedResourceMetadataHandler(rs.resourceServer);
 * const url = new URL(request.url);
 * if (url.pathname === metadata.path) return metadata.handler(request);
 * ```
 */
export function protectedResourceMetadataHandler(resourceServer: ResourceServer): {
  readonly path: string;
  readonly handler: (request: Request) => Response;
} {
  const path = protectedResourceMetadataPath(resourceServer);
  return {
    path,
    handler(request) {
      const answer = protectedResourceMetadataAnswer(resourceServer, request.method);
      return new Response(answer.body === '' ? null : answer.body, {
        status: answer.status,
        headers: answer.headers,
      });
    },
  };
}
