import type { AccessPolicy, AuthResult, ResourceServer } from '@rs/core';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { fastifyRsRequest } from './fastify-rs-request.js';

// A serializer of our own keeps core's `content-type: application/json` as it is: Fastify's default path
// would append `; charset=utf-8`, and every adapter must send the same headers.
const serializeJson = (body: unknown): string => JSON.stringify(body);

/** A route hook that authenticates the request, answering rejections itself. */
export type AuthenticationHookHandler = (
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
) => void;

/**
 * Builds the hook for one protected route, with that route's policy. A callback hook rather than an
 * async one: Fastify then waits for core's promise alone, not for a second one wrapped around it.
 */
export function authenticationHook(
  resourceServer: ResourceServer,
  routePolicy: AccessPolicy | undefined,
  publicBase: string | undefined,
): AuthenticationHookHandler {
  return function authenticateOAuth2(request, reply, done) {
    resourceServer
      .authenticate(fastifyRsRequest(request, publicBase), routePolicy)
      .then((result) => decide(result, request, reply, done))
      // A bug in core or in application code it called (a computed policy): Fastify's error path.
      .catch((error: unknown) => done(error as Error));
  };
}

function decide(
  result: AuthResult,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (!result.ok) {
    const { status, headers, body } = result.rejection;
    // Sending the reply without calling done() tells Fastify the request is answered: the route never runs.
    reply.code(status).headers(headers).serializer(serializeJson).send(body);
    return;
  }
  request.oauth2 = result.context;
  for (const name in result.headers) reply.header(name, result.headers[name]);
  done();
}
