import type { AccessPolicy, ResourceServer } from '@rs/core';
import { rejectionBodyText } from '@rs/core/adapter';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fastifyRsRequest } from './fastify-rs-request.js';
import type { RouteProtection } from './route-protection.js';

const asIs = (text: string): string => text;

/** A route hook that authenticates the request, answering rejections itself. */
export type AuthenticationHookHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
) => Promise<FastifyReply | undefined>;

/** Builds the hook for one protected route, with that route's policy. */
export function authenticationHook(
  resourceServer: ResourceServer,
  protection: RouteProtection,
  publicBase: string | undefined,
): AuthenticationHookHandler {
  const { policy, optional } = protection;
  const hook: AuthenticationHookHandler = async function authenticateOAuth2(request, reply) {
    const rsRequest = fastifyRsRequest(request, publicBase);
    const result = optional
      ? await resourceServer.authenticateOptional(rsRequest, policy)
      : await resourceServer.authenticate(rsRequest, policy);
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
    request.oauth2 = result.context ?? null;
    reply.headers(result.headers);
    return undefined;
  };
  (hook as MarkedHook)[RS_HOOK] = true;
  return hook;
}

const RS_HOOK = Symbol('@rs/fastify.hook');
type MarkedHook = { [RS_HOOK]?: true };

/**
 * Whether `hook` is one of ours. A route under two registrations (one in a parent context, one in its
 * child) gets the hook of each: the innermost registration's replaces the others, so that a context
 * can protect its routes its own way.
 */
export function isRsHook(hook: unknown): boolean {
  return typeof hook === 'function' && (hook as MarkedHook)[RS_HOOK] === true;
}
