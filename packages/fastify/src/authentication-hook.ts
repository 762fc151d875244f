import type { AccessPolicy, ResourceServer } from '@rs/core';
import { rejectionBodyText } from '@rs/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fastifyRsRequest } from './fastify-rs-request.js';

const asIs = (text: string): string => text;

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
      const { rejection } = result;
      // The text as core built it, through a serializer that keeps it: Fastify's own JSON path would
      // append `; charset=utf-8` to core's content type, and every adapter must send the same headers.
      // Returning the reply tells Fastify the request is answered and the route must not run.
      return reply
        .code(rejection.status)
        .headers(rejection.headers)
        .serializer(asIs)
        .send(rejectionBodyText(rejection));
    }
    request.oauth2 = result.context;
    reply.headers(result.headers);
    return undefined;
  };
}
