import { RsConfigError } from '../config/config-error.js';
import { refuseGivenUndefined } from '../config/option-schema.js';
import type { AccessPolicy } from '../policy/access-policy.js';
import { UNDEFINED_ROUTE_POLICY, undefinedRoutePolicy } from '../policy/undefined-route-policy.js';
import type { RsRequest } from '../request.js';
import type { OptionalAuthResult, ResourceServer } from '../resource-server-types.js';

/**
 * Checks the handler given to an adapter's `protect(handler, policy)` when the route is declared: a
 * policy given first (`protect({ scopes })`, as Express and Hono middleware take it) would otherwise be
 * accepted, and every request that passed authentication would then fail calling it. `option` names the
 * method and its first argument, e.g. `protectOptional(handler)`.
 */
export function checkRouteHandler(handler: unknown, option: string): void {
  if (typeof handler !== 'function') {
    const method = option.replace(/\(handler\)$/, '');
    throw new RsConfigError(
      option,
      `must be the route handler, a function; the policy comes second: ${method}(handler, policy)`,
    );
  }
}

/**
 * The route policy among an adapter method's optional arguments (its rest parameter: `[]` when left
 * out), refusing one given as `undefined`. `option` names it, e.g. `protect(policy)`. More than one
 * argument is the method handed to the framework as middleware itself (`app.use(rs.protect)`, which
 * Express calls with `req, res, next` and Hono with `c, next`), named as such: the request would
 * otherwise be refused as a policy that is no plain object.
 */
export function routePolicyArgument(
  given: readonly [policy?: AccessPolicy],
  option: string,
): AccessPolicy | undefined {
  if (given.length > 1) {
    const method = option.replace(/(?:\(policy\)|\.policy)$/, '');
    throw new RsConfigError(
      option,
      `was given ${given.length} arguments where one policy belongs: ${method} handed to the framework ` +
        `as middleware itself? It makes the middleware: app.use(rs.${method}()), not app.use(rs.${method})`,
    );
  }
  if (given.length > 0 && given[0] === undefined) throw undefinedRoutePolicy(option);
  return given[0];
}

/** As {@link routePolicyArgument}, for a policy held by a settings member (`{ policy }`, `config.rs`). */
export function checkRoutePolicyMember(settings: object, key: string, option: string): void {
  refuseGivenUndefined(settings, key, option, UNDEFINED_ROUTE_POLICY);
}

/**
 * Calls `server.authenticate` with the route's policy, or without one for a route that has none: every
 * `authenticate` refuses a policy given as `undefined` (see {@link undefinedRoutePolicy}), so an adapter
 * holding a route's policy that may be absent calls through this. `server` is core's resource server or
 * an `AdapterAuthenticator`.
 */
export function authenticateWithRoutePolicy<Input, Result>(
  server: { authenticate(input: Input, ...routePolicy: [] | [routePolicy: AccessPolicy]): Result },
  input: Input,
  policy: AccessPolicy | undefined,
): Result {
  return policy === undefined ? server.authenticate(input) : server.authenticate(input, policy);
}

/** As {@link authenticateWithRoutePolicy}, for core's `authenticateOptional`. */
export function authenticateOptionalWithRoutePolicy(
  resourceServer: ResourceServer,
  request: RsRequest,
  policy: AccessPolicy | undefined,
): Promise<OptionalAuthResult> {
  return policy === undefined
    ? resourceServer.authenticateOptional(request)
    : resourceServer.authenticateOptional(request, policy);
}
