import type { ResourceServer } from '@rs/core';
import { protectedResourceMetadataAnswer, protectedResourceMetadataPath } from '@rs/core/adapter';
import type { Request, RequestHandler, Response } from 'express';
import { sendAsIs } from './send-as-is.js';

/**
 * The RFC 9728 metadata route of a resource server built with a `protectedResource` option: its path
 * (`/.well-known/oauth-protected-resource` plus the resource's path, RFC 9728 §3.1) and a handler that
 * sends the document. Mount it at the app's root, outside `protect()`: clients read it without a token.
 * Mounted for every method (`app.all`, `app.use`), it answers methods other than GET and HEAD with 405 and
 * `Allow`, as the other adapters do. Throws at start-up when the resource server publishes no metadata.
 *
 * @example
 * ```ts
 * const resourceServer = createResourceServer({ resolver, protectedResource: { resource: 'https://api.example.com' } });
 * const metadata = protectedResourceMetadataRoute(resourceServer);
 * app.get(metadata.path, metadata.handler);
 * ```
 */
export function protectedResourceMetadataRoute(resourceServer: ResourceServer): {
  readonly path: string;
  readonly handler: RequestHandler;
} {
  const path = protectedResourceMetadataPath(resourceServer);
  return {
    path,
    handler(req: Request, res: Response) {
      // HEAD as GET: Node leaves the body out and keeps its Content-Length, which a HEAD answer reports.
      const method = req.method === 'HEAD' ? 'GET' : req.method;
      const answer = protectedResourceMetadataAnswer(resourceServer, method);
      sendAsIs(res, answer.status, answer.headers, answer.body);
    },
  };
}
