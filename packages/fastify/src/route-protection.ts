import type { AccessPolicy, ResourceServer } from '@rs/core';
import type { RouteProtectionMode } from './options.js';

/** A route to protect, and what it requires beyond the server-wide policy. */
export interface RouteProtection {
  readonly policy: AccessPolicy | undefined;
}

const SERVER_POLICY_ONLY: RouteProtection = { policy: undefined };

/**
 * Decides from a route's `config.rs` whether the route is protected, validating its policy now so that a
 * bad one stops start-up. Returns `undefined` for an unprotected route.
 */
export function routeProtection(
  setting: AccessPolicy | boolean | undefined,
  mode: RouteProtectionMode,
  resourceServer: ResourceServer,
  routeName: string,
): RouteProtection | undefined {
  if (setting === false) return undefined;
  if (setting === true) return SERVER_POLICY_ONLY;
  if (setting === undefined) return mode === 'all' ? SERVER_POLICY_ONLY : undefined;
  return { policy: resourceServer.checkPolicy(setting, `${routeName} config.rs`) };
}

/** Names a route in configuration errors, e.g. `route GET /items`. */
export function routeName(method: string | readonly string[], url: string | undefined): string {
  return `route ${typeof method === 'string' ? method : method.join(',')} ${url ?? ''}`;
}
