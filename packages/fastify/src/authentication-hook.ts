import type { AccessPolicy, ResourceServer } from '@rs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fastifyRsRequest } from './fastify-rs-request.js';

// A serializer of our own keeps core's `content-type: application/json` as it is: Fastify's default path
// would append `; charset=utf-8`, and every adapter must send the same headers.
const serializeJson = (body: unknown): string => JSON.stringify(body);

/** A route hook that authenticates the request, answering rejections itself. */
export type AuthenticationHookHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;

/** Builds the hook for one protected route, with that route's policy. */
export function authenticationHook(
  resourceServer: ResourceServer,
  routePolicy: AccessPolicy | undefined,
  publicBase: string | undefined,
): AuthenticationHookHandler {
  return async function authenticateOAuth2(request, reply) {
    const result = await resourceServer.authenticate(fastifyRsRequest(request, publicBase), routePolicy);
    if (!result.ok) {
      const { status, headers, body } = result.rejection;
      // Returning the reply tells Fastify the request is answered and the route must not run.
      return reply.code(status).headers(headers).serializer(serializeJson).send(body);
    }
    request.oauth2 = result.context;
    reply.headers(result.headers);
    return undefined;
  };
}
