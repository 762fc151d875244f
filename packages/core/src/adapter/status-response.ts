import type { ResourceServerStatus } from '../observability/server-status.js';

/** A resource server's status as an HTTP answer, for adapters to copy to their response. */
export interface StatusResponse {
  /** 200 when ready, 503 when not: what readiness probes (Kubernetes, load balancers) act on. */
  readonly status: 200 | 503;
  /** `content-type: application/json` and `cache-control: no-store`. */
  readonly headers: Readonly<Record<string, string>>;
  /** The {@link ResourceServerStatus} as JSON. */
  readonly body: string;
}

const HEADERS = Object.freeze({ 'content-type': 'application/json', 'cache-control': 'no-store' });

/**
 * Renders `status()` for a health or readiness route. The status holds no token or secret, but it
 * names the authorization server's endpoints and how they fail: serve it where operators, not
 * clients, can reach it.
 *
 * @example
 * ```ts
 * const { status, headers, body } = statusResponse(resourceServer);
 * ```
 */
export function statusResponse(server: { status(): ResourceServerStatus }): StatusResponse {
  const current = server.status();
  return { status: current.ready ? 200 : 503, headers: HEADERS, body: JSON.stringify(current) };
}
