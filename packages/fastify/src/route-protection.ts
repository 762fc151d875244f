import { type AccessPolicy, type ResourceServer, RsConfigError } from '@rs/core';
import { checkRoutePolicyMember, isPlainObject } from '@rs/core/adapter';
import type { RouteProtectionMode } from './options.js';

/**
 * A route's `config.rs`: a policy (with `optional: true` for optional authentication), `true`, `false`
 * or `'optional'`.
 */
export type RouteRsConfig =
  | (AccessPolicy & {
      /** `true`: a request without a token reaches the handler without a context. */
      readonly optional?: boolean | undefined;
    })
  | boolean
  | 'optional';

/** A route to protect, what it requires beyond the server-wide policy, and whether a token is optional. */
export interface RouteProtection {
  readonly policy: AccessPolicy | undefined;
  readonly optional: boolean;
}

const SERVER_POLICY_ONLY: RouteProtection = { policy: undefined, optional: false };
const OPTIONAL: RouteProtection = { policy: undefined, optional: true };

/**
 * Decides from a route's `config.rs` whether the route is protected, validating its policy now so that a
 * bad one stops start-up. Returns `undefined` for an unprotected route.
 */
export function routeProtection(
  setting: RouteRsConfig | undefined,
  mode: RouteProtectionMode,
  resourceServer: ResourceServer,
  routeName: string,
): RouteProtection | undefined {
  if (setting === false) return undefined;
  if (setting === true) return SERVER_POLICY_ONLY;
  if (setting === 'optional') return OPTIONAL;
  if (setting === undefined) return mode === 'all' ? SERVER_POLICY_ONLY : undefined;
  // Anything but a plain object (an array, a promise, a class instance) is refused by checkPolicy, before
  // the copy below could turn it into an empty policy.
  if (!isPlainObject(setting)) {
    return { policy: resourceServer.checkPolicy(setting, `${routeName} config.rs`), optional: false };
  }
  const { optional, ...policy } = setting as AccessPolicy & { optional?: unknown };
  if (optional !== undefined && typeof optional !== 'boolean') {
    throw new RsConfigError(`${routeName} config.rs.optional`, 'must be a boolean');
  }
  return {
    policy: resourceServer.checkPolicy(policy, `${routeName} config.rs`),
    optional: optional === true,
  };
}

/**
 * Refuses `config.RS` (or `Rs`, `rS`) beside or instead of `config.rs`: the route would be left open in
 * opt-in mode, or lose its own policy otherwise, with nothing said.
 */
export function refuseMisspelledRsKey(config: object | undefined, routeName: string): void {
  if (config === undefined || config === null) return;
  for (const key of Object.keys(config)) {
    if (key !== 'rs' && key.toLowerCase() === 'rs') {
      throw new RsConfigError(`${routeName} config.${key}`, 'unknown option; did you mean "rs"?');
    }
  }
  // `rs: policies.admn` (misspelt or unloaded): read as absent, it would open the route in opt-in mode
  // and drop its own policy otherwise.
  checkRoutePolicyMember(config, 'rs', `${routeName} config.rs`);
}

/** Names a route in configuration errors, e.g. `route GET /items`. */
export function routeName(method: string | readonly string[], url: string | undefined): string {
  return `route ${typeof method === 'string' ? method : method.join(',')} ${url ?? ''}`;
}
