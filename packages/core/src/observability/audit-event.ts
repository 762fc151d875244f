import type { FailureCode } from '../errors/failure.js';

/**
 * How a request was decided: `accepted`; `refused` for what the client sent (401, 403, 400);
 * `unavailable` when a dependency (keys, introspection, replay store) could not be consulted (503).
 */
export type AuditDecision = 'accepted' | 'refused' | 'unavailable';

/**
 * One decision of the resource server, for an audit log: who asked for what, and the answer. Built from
 * the token's claims once validated and from the request's method and path; it never holds the token,
 * a proof, a query string or a key. Claims not listed here are left out on purpose (they may be
 * personal data): read them from the context in the application if the log needs them.
 */
export interface AuditEvent {
  readonly type: 'rs.decision';
  /** `accepted`, `refused` (what the client sent) or `unavailable` (a dependency failed). */
  readonly decision: AuditDecision;
  /** The refusal code; absent when accepted. */
  readonly code?: FailureCode | undefined;
  /** The HTTP status answered (200 stands for "passed to the application"). */
  readonly status: number;
  /** When the decision was made, ms since the epoch (the resource server's clock). */
  readonly time: number;
  /** Wall time the decision took, in ms. */
  readonly durationMs: number;
  /** The request method, as the adapter gave it (`GET`, `POST`, …). */
  readonly method: string;
  /** The request path, without its query string (which may carry a token). */
  readonly path: string;
  /** `Bearer` or `DPoP`, once a token was found. */
  readonly scheme?: 'Bearer' | 'DPoP' | undefined;
  /**
   * The ID to find this token in the authorization server's logs: Access Management's
   * `auditTrackingId`, else the token's `jti`. Absent until the token was resolved.
   */
  readonly trackingId?: string | undefined;
  /** The token's `jti`. */
  readonly tokenId?: string | undefined;
  /** The token's issuer (`iss`); absent until the token was resolved. */
  readonly issuer?: string | undefined;
  /** The client the token was issued to (`client_id`, `azp`, …, as `OAuth2Context.clientId`); absent until resolved. */
  readonly clientId?: string | undefined;
  /** The token's subject (`sub`); absent until the token was resolved. */
  readonly subject?: string | undefined;
  /** Scopes the server-wide and route policies ask for (as listed; `any` lists are included). */
  readonly scopesRequired: readonly string[];
  /** Scopes the token carries; empty until it was resolved. */
  readonly scopesGranted: readonly string[];
}

/**
 * Told of every decision; what it throws is ignored, so that logging never changes an answer. An `async`
 * hook is not awaited (a slow log sink does not delay the answer) and its rejection is ignored too.
 */
export type AuditHook = (event: AuditEvent) => void;
