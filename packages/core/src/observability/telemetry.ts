import type { RsRequest } from '../request.js';
import type { AuditEvent } from './audit-event.js';
import type { RequestTrace } from './request-trace.js';
import type { ResourceServerStatus } from './server-status.js';

/**
 * Where a resource server sends traces and metrics: `otel()` from `@rs/core/otel` binds it to
 * OpenTelemetry. Given as the `telemetry` option; without it, `authenticate` records nothing.
 */
export interface Telemetry {
  /**
   * Called once, when the resource server is built, with a way to read its status: counters kept by
   * its dependencies (JWK fetches, cache hits) are read from there when metrics are collected, at no
   * cost per request. What it throws makes `createResourceServer` throw an `RsConfigError` for the
   * `telemetry` option, with the thrown value on its `cause`.
   */
  attach(status: () => ResourceServerStatus): void;
  /** Starts the record of one request (a span). */
  startRequest(request: RsRequest): RequestTelemetry;
}

/**
 * The record of one request: stages as they pass, then the decision. Must not throw: what any of its
 * methods (or `startRequest`) throws is ignored, and the request is decided as without telemetry.
 */
export interface RequestTelemetry extends RequestTrace {
  /**
   * Runs the pipeline inside the request's context, so that what it calls (the HTTP client fetching a
   * JWK set or introspecting) records its own spans as children of the request's span. The decision is
   * the pipeline's own promise, not what `run` returns; a `run` that throws before calling the pipeline,
   * or never calls it, has it run outside the context.
   */
  run<T>(pipeline: () => T): T;
  /** The decision; `error` when `authenticate` threw (a bug or a broken custom resolver). */
  end(event: AuditEvent, error?: unknown): void;
}
