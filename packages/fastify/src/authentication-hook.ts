import type { ResourceServer } from '@rs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { fastifyRsRequest } from './fastify-rs-request.js';
import type { RouteProtection } from './route-protection.js';

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
      const { status, headers, body } = result.rejection;
      // Returning the reply tells Fastify the request is answered and the route must not run.
      return reply.code(status).headers(headers).serializer(serializeJson).send(body);
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
