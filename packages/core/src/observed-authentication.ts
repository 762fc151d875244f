import type { Clock } from './clock.js';
import type { Rejection } from './errors/rejection.js';
import type { AuditDecision, AuditEvent, AuditHook } from './observability/audit-event.js';
import type { IntrospectionOutcome, PipelineStage, RequestTrace } from './observability/request-trace.js';
import type { RequestTelemetry, Telemetry } from './observability/telemetry.js';
import type { AccessPolicy } from './policy/access-policy.js';
import type { ScopeRequirement } from './policy/scopes.js';
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
 * when one of them is configured: a resource server without them runs the bare pipeline.
 */
export function observeAuthentication<R extends Decided>(
  authenticate: TracedAuthenticate<R>,
  settings: ObserverSettings,
): (request: RsRequest, routePolicy?: AccessPolicy) => Promise<R> {
  const { onAudit, telemetry, serverPolicy, clock } = settings;
  const serverScopes = listedScopes(serverPolicy?.scopes);
  return async (request, routePolicy) => {
    const startedAt = performance.now();
    const recorder = new DecisionRecorder(telemetry?.startRequest(request));
    let result: R | undefined;
    let thrown: unknown;
    try {
      result = await authenticate(request, routePolicy, recorder);
      return result;
    } catch (error) {
      thrown = error;
      throw error;
    } finally {
      const event = decisionEvent(request, result, recorder, {
        scopesRequired: [...serverScopes, ...listedScopes(routePolicy?.scopes)],
        time: clock(),
        durationMs: performance.now() - startedAt,
      });
      try {
        recorder.telemetry?.end(event, thrown);
      } catch {
        // Telemetry must never change an answer.
      }
      try {
        onAudit?.(event);
      } catch {
        // Nor may an audit hook.
      }
    }
  };
}

/** Keeps what the audit event needs and passes every mark on to the telemetry of the request. */
class DecisionRecorder implements RequestTrace {
  scheme: 'Bearer' | 'DPoP' | undefined;
  info: TokenInfo | undefined;

  constructor(readonly telemetry: RequestTelemetry | undefined) {}

  extracted(scheme: 'Bearer' | 'DPoP'): void {
    this.scheme = scheme;
    this.telemetry?.extracted(scheme);
  }
  stage(name: PipelineStage): void {
    this.telemetry?.stage(name);
  }
  cacheLookup(hit: boolean): void {
    this.telemetry?.cacheLookup(hit);
  }
  introspected(durationMs: number, outcome: IntrospectionOutcome): void {
    this.telemetry?.introspected(durationMs, outcome);
  }
  resolved(info: TokenInfo): void {
    this.info = info;
    this.telemetry?.resolved(info);
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
  return {
    type: 'rs.decision',
    decision,
    ...(rejection && { code: rejection.code }),
    status,
    ...facts,
    method: request.method,
    path: pathOf(request.url),
    ...(scheme && { scheme }),
    ...(info && tokenFacts(info)),
    scopesGranted: info === undefined ? [] : [...info.scopes],
  };
}

function tokenFacts(info: TokenInfo): Partial<AuditEvent> {
  const facts: { -readonly [K in keyof AuditEvent]?: AuditEvent[K] } = {};
  const trackingId = info.trackingId ?? info.tokenId;
  if (trackingId !== undefined) facts.trackingId = trackingId;
  if (info.tokenId !== undefined) facts.tokenId = info.tokenId;
  if (info.issuer !== undefined) facts.issuer = info.issuer;
  if (info.clientId !== undefined) facts.clientId = info.clientId;
  if (info.subject !== undefined) facts.subject = info.subject;
  return facts;
}

/** The path alone: the query may carry the token (`access_token=`). */
function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '/';
  }
}

function listedScopes(requirement: ScopeRequirement | undefined): readonly string[] {
  if (requirement === undefined || typeof requirement === 'function') return [];
  if ('allOf' in requirement) return requirement.allOf;
  if ('anyOf' in requirement) return requirement.anyOf;
  return requirement;
}
