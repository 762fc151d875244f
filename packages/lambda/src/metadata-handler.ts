import type { ResourceServer } from '@rs/core';
import { protectedResourceMetadataAnswer, protectedResourceMetadataPath } from '@rs/core/adapter';

/** The result of the metadata handler: fits both API Gateway payload formats. */
export interface LambdaMetadataResponse {
  readonly statusCode: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * A Lambda handler for the RFC 9728 metadata of a resource server built with a `protectedResource`
 * option. Route `GET path` (`/.well-known/oauth-protected-resource` plus the resource's path, RFC 9728
 * §3.1) to it in API Gateway, without an authorizer. Throws at cold start when the resource server
 * publishes no metadata.
 *
 * @example
 * ```ts
 * export const metadata = protectedResourceMetadataHandler(rs.resourceServer).handler;
 * ```
 */
export function protectedResourceMetadataHandler(resourceServer: ResourceServer): {
  readonly path: string;
  readonly handler: () => Promise<LambdaMetadataResponse>;
} {
  const path = protectedResourceMetadataPath(resourceServer);
  return {
    path,
    async handler() {
      const answer = protectedResourceMetadataAnswer(resourceServer);
      return { statusCode: answer.status, headers: { ...answer.headers }, body: answer.body };
    },
  };
}
