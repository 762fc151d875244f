import type { Clock } from './clock.js';
import type { Rejection } from './errors/rejection.js';
import type { AuditDecision, AuditEvent, AuditHook } from './observability/audit-event.js';
import type { IntrospectionOutcome, PipelineStage, RequestTrace } from './observability/request-trace.js';
import type { RequestTelemetry, Telemetry } from './observability/telemetry.js';
import { callUserHook } from './observability/user-hook.js';
import type { AccessPolicy } from './policy/access-policy.js';
import type { ScopeRequirement } from './policy/scopes.js';
import { undefinedRoutePolicy } from './policy/undefined-route-policy.js';
import type { RsRequest } from './request.js';
import type { TokenInfo } from './token-info.js';

/** The part of an `AuthResult` a decision record needs. */
type Decided = { readonly ok: true } | { readonly ok: false; readonly rejection: Rejection };

/** `authenticate` with the trace it reports to. */
export type TracedAuthenticate<R extends Decided> = (
  request: RsRequest,
  routePolicy: AccessPolicy | undefined,
  trace: RequestTrace | undefined,
) => Promise<R>;

export interface ObserverSettings {
  readonly onAudit: AuditHook | undefined;
  readonly telemetry: Telemetry | undefined;
  readonly serverPolicy: AccessPolicy | undefined;
  readonly clock: Clock;
}

/**
 * Wraps `authenticate` so that every decision reaches `onAudit` and `telemetry`. Built once, and only
 * when one of them is configured: a resource server without them runs the bare pipeline. As the bare
 * pipeline's, the wrapper refuses a route policy given as `undefined`; `method` names it in the error
 * (`authenticate(request, policy)`), which is recorded as any other error is.
 */
export function observeAuthentication<R extends Decided>(
  authenticate: TracedAuthenticate<R>,
  settings: ObserverSettings,
  method: string,
): (request: RsRequest, ...routePolicy: [] | [routePolicy: AccessPolicy]) => Promise<R> {
  const { onAudit, telemetry, serverPolicy, clock } = settings;
  const serverScopes = listedScopes(serverPolicy?.scopes);
  // A function, not an arrow: it counts its arguments (a rest parameter would be an array per request).
  return async function observedAuthenticate(request: RsRequest, routePolicy?: AccessPolicy) {
    // biome-ignore lint/complexity/noArguments: tells a policy given as undefined from one left out.
    const undefinedPolicy = arguments.length > 1 && routePolicy === undefined;
    const startedAt = performance.now();
    const recorder = new DecisionRecorder(startRequest(telemetry, request));
    let result: R | undefined;
    let thrown: unknown;
    try {
      if (undefinedPolicy) throw undefinedRoutePolicy(method);
      const run = () => authenticate(request, routePolicy, recorder);
      result = await (recorder.telemetry === undefined ? run() : runInside(recorder.telemetry, run));
      return result;
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      const routeScopes = listedScopes(routePolicy?.scopes);
      const event = decisionEvent(request, result, recorder, {
        scopesRequired: routeScopes.length === 0 ? serverScopes : [...serverScopes, ...routeScopes],
        time: timeOfDecision(clock),
        durationMs: performance.now() - startedAt,
      });
      try {
        recorder.telemetry?.end(event, thrown);
      } catch {
        // Telemetry must never change an answer.
      }
      // Nor may an audit hook, whether it throws or, being `async`, rejects; not awaited: a slow sink must
      // not delay the answer.
      callUserHook(onAudit, event);
    }
  };
}

// Telemetry must never change an answer: `RequestTelemetry` is documented not to throw, but one that does
// (a custom exporter's bug) would otherwise turn every request it records into a 500, or let a `run`
// that never calls the pipeline, or answers something else, stand for the decision.

/** The request's telemetry, or none when `startRequest` throws or answers no object. */
function startRequest(telemetry: Telemetry | undefined, request: RsRequest): RequestTelemetry | undefined {
  if (telemetry === undefined) return undefined;
  try {
    const started: unknown = telemetry.startRequest(request);
    return typeof started === 'object' && started !== null ? (started as RequestTelemetry) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The pipeline's own promise, run inside the request's context by `telemetry.run`: what `run` returns is
 * not awaited (it may never settle, or be another value), and a `run` that throws before calling the
 * pipeline, or never calls it, gets it called here.
 */
function runInside<R>(telemetry: RequestTelemetry, pipeline: () => Promise<R>): Promise<R> {
  let started: Promise<R> | undefined;
  try {
    const returned: unknown = telemetry.run(() => {
      started ??= pipeline();
      return started;
    });
    if (returned !== started && isPromiseLike(returned)) returned.then(undefined, ignoreObserverFailure);
  } catch {
    // Ignored, as below: the pipeline runs outside the request's context.
  }
  return started ?? pipeline();
}

/** The time of the decision: the resource server's clock, or `Date.now()` when it throws now. */
function timeOfDecision(clock: Clock): number {
  try {
    return clock();
  } catch {
    return Date.now();
  }
}

/** Calls one mark of the request's telemetry; what it throws is ignored. */
function mark(telemetry: RequestTelemetry | undefined, record: (telemetry: RequestTelemetry) => void): void {
  if (telemetry === undefined) return;
  try {
    record(telemetry);
  } catch {
    // Telemetry must never change an answer.
  }
}

/** Keeps what the audit event needs and passes every mark on to the telemetry of the request. */
class DecisionRecorder implements RequestTrace {
  scheme: 'Bearer' | 'DPoP' | undefined;
  info: TokenInfo | undefined;

  constructor(readonly telemetry: RequestTelemetry | undefined) {}

  extracted(scheme: 'Bearer' | 'DPoP'): void {
    this.scheme = scheme;
    mark(this.telemetry, (telemetry) => telemetry.extracted(scheme));
  }
  stage(name: PipelineStage): void {
    mark(this.telemetry, (telemetry) => telemetry.stage(name));
  }
  cacheLookup(hit: boolean): void {
    mark(this.telemetry, (telemetry) => telemetry.cacheLookup(hit));
  }
  introspected(durationMs: number, outcome: IntrospectionOutcome): void {
    mark(this.telemetry, (telemetry) => telemetry.introspected(durationMs, outcome));
  }
  resolved(info: TokenInfo): void {
    this.info = info;
    mark(this.telemetry, (telemetry) => telemetry.resolved(info));
  }
}

function decisionEvent(
  request: RsRequest,
  result: Decided | undefined,
  recorder: DecisionRecorder,
  facts: Pick<AuditEvent, 'scopesRequired' | 'time' | 'durationMs'>,
): AuditEvent {
  const { info, scheme } = recorder;
  const rejection = result === undefined || result.ok ? undefined : result.rejection;
  // A throw is a bug, not the client's fault: recorded as unavailable, as a 500 would be answered.
  const status = result === undefined ? 500 : (rejection?.status ?? 200);
  const decision: AuditDecision =
    result?.ok === true ? 'accepted' : status >= 500 ? 'unavailable' : 'refused';
  // One shape for every event (absent facts are `undefined`, which JSON leaves out): cheaper to build.
  return {
    type: 'rs.decision',
    decision,
    code: rejection?.code,
    status,
    time: facts.time,
    durationMs: facts.durationMs,
    method: request.method,
    path: pathOf(request.url),
    scheme,
    trackingId: info?.trackingId ?? info?.tokenId,
    tokenId: info?.tokenId,
    issuer: info?.issuer,
    clientId: info?.clientId,
    subject: info?.subject,
    scopesRequired: facts.scopesRequired,
    scopesGranted: info === undefined ? NO_SCOPES : [...info.scopes],
  };
}

const NO_SCOPES: readonly string[] = Object.freeze([]);

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return (
    (typeof value === 'object' || typeof value === 'function') &&
    value !== null &&
    typeof (value as { then?: unknown }).then === 'function'
  );
}

/** What an asynchronous observer rejects with is ignored, as what a synchronous one throws is. */
function ignoreObserverFailure(): void {}

/**
 * The path alone, as sent: the query may carry the token (`access_token=`). Adapters give absolute URLs;
 * anything else counts as `/`.
 */
function pathOf(url: string): string {
  const authority = url.indexOf('://');
  if (authority < 0) return '/';
  let start = authority + 3;
  while (start < url.length && !endsAuthority(url.charCodeAt(start))) start++;
  if (url.charCodeAt(start) !== 47 /* / */) return '/';
  let end = start;
  while (end < url.length && !endsPath(url.charCodeAt(end))) end++;
  return url.slice(start, end);
}

const endsAuthority = (code: number) => code === 47 || endsPath(code);
const endsPath = (code: number) => code === 63 /* ? */ || code === 35; /* # */

function listedScopes(requirement: ScopeRequirement | undefined): readonly string[] {
  if (requirement === undefined || typeof requirement === 'function') return [];
  if ('allOf' in requirement) return requirement.allOf ?? [];
  if ('anyOf' in requirement) return requirement.anyOf;
  return requirement;
}
