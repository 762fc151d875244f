import type { OptionalAuthResult, ResourceServer } from '@rs/core';
import {
  authenticateOptionalWithRoutePolicy,
  authenticateWithRoutePolicy,
  keepSuccessHeadersOnWrite,
  rejectionBodyText,
  successHeaderValue,
  thrownAsError,
} from '@rs/core/adapter';
import type { FastifyReply, FastifyRequest, HookHandlerDoneFunction } from 'fastify';
import { fastifyRsRequest } from './fastify-rs-request.js';
import type { RouteProtection } from './route-protection.js';
import { sendAsIs } from './send-as-is.js';

// Marks our hooks, so that a registration can tell them from the application's (isRsHook).
const RS_HOOK = Symbol('@rs/fastify.hook');
type MarkedHook = { [RS_HOOK]?: true | undefined };

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
  protection: RouteProtection,
  publicBase: string | undefined,
): AuthenticationHookHandler {
  const { policy, optional } = protection;
  const hook: AuthenticationHookHandler = function authenticateOAuth2(request, reply, done) {
    const rsRequest = fastifyRsRequest(request, publicBase);
    // A route without a policy of its own calls core without one: core refuses one given as `undefined`.
    const decision: Promise<OptionalAuthResult> = optional
      ? authenticateOptionalWithRoutePolicy(resourceServer, rsRequest, policy)
      : authenticateWithRoutePolicy(resourceServer, rsRequest, policy);
    // One reaction to core's promise, not a `.then` and a `.catch` chained on it.
    decision.then(
      (result) => {
        try {
          decide(result, request, reply, done);
        } catch (error) {
          done(error as Error);
        }
      },
      // A bug in core or in application code it called (a computed policy): Fastify's error path, always
      // with an Error, since Fastify reads `done(null)` as success and would run the route.
      (error: unknown) => done(thrownAsError(error, 'the resource server')),
    );
  };
  (hook as MarkedHook)[RS_HOOK] = true;
  return hook;
}

function decide(
  result: OptionalAuthResult,
  request: FastifyRequest,
  reply: FastifyReply,
  done: HookHandlerDoneFunction,
): void {
  if (!result.ok) {
    const { rejection } = result;
    // Sending the reply without calling done() tells Fastify the request is answered: the route never runs.
    sendAsIs(reply, rejection.status, rejection.headers, rejectionBodyText(rejection));
    return;
  }
  request.oauth2 = result.context ?? null;
  let added = false;
  for (const name in result.headers) {
    reply.header(name, successHeaderValue(name, reply.getHeader(name), result.headers[name]!));
    added = true;
  }
  // Again when the head is written: the handler, a later hook or reply.raw may set their own.
  if (added) keepSuccessHeadersOnWrite(reply.raw, result.headers);
  done();
}

/**
 * Whether `hook` is one of ours. A route under two registrations (one in a parent context, one in its
 * child) gets the hook of each: the innermost registration's replaces the others, so that a context
 * can protect its routes its own way.
 */
export function isRsHook(hook: unknown): boolean {
  return typeof hook === 'function' && (hook as MarkedHook)[RS_HOOK] === true;
}
