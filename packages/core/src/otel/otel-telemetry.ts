import {
  type Attributes,
  type Counter,
  context,
  type Histogram,
  type MeterProvider,
  metrics,
  type Span,
  SpanKind,
  SpanStatusCode,
  type Tracer,
  type TracerProvider,
  trace,
} from '@opentelemetry/api';
import type { AuditEvent } from '../observability/audit-event.js';
import type { DependencyHealth } from '../observability/dependency-health.js';
import type { IntrospectionOutcome, PipelineStage } from '../observability/request-trace.js';
import type { ResourceServerStatus } from '../observability/server-status.js';
import type { RequestTelemetry, Telemetry } from '../observability/telemetry.js';
import type { RsRequest } from '../request.js';
import type { TokenInfo } from '../token-info.js';
import { ObservationTotals } from './observation-totals.js';
import { ATTR, INSTRUMENTATION_SCOPE, METRIC, SPAN_NAME } from './otel-names.js';

/** Options of {@link otel}. */
export interface OtelOptions {
  /** Where spans go. Default: the global tracer provider (`trace.getTracerProvider()`). */
  readonly tracerProvider?: TracerProvider | undefined;
  /** Where metrics go. Default: the global meter provider (`metrics.getMeterProvider()`). */
  readonly meterProvider?: MeterProvider | undefined;
}

/**
 * OpenTelemetry for a resource server. Call it once the SDK is registered (after `NodeSDK.start()`):
 * the meter is taken from the global provider at that moment. The request's span is the active span
 * while the pipeline runs, so instrumented HTTP clients record JWK fetches and introspection calls as
 * its children.
 *
 * What it records: one span per `authenticate` (`rs.authenticate`) with an event
 * per pipeline stage, cache lookup and introspection call, and metrics (requests by decision and
 * code, decision and introspection latency, JWK fetches, cache hits, misses and evictions, replay-store
 * failures, readiness of each dependency). Attributes carry the issuer, client, subject, `jti`,
 * tracking ID and refusal code, never the token or a secret. Counters of dependencies are read from
 * `status()` when metrics are collected: they cost nothing per request.
 *
 * @example
 * ```ts
 * import { otel } from '@rs/core/otel';
 * const rs = createResourceServer({ resolver, telemetry: otel() });
 * ```
 */
export function otel(options: OtelOptions = {}): Telemetry {
  const tracer = (options.tracerProvider ?? trace.getTracerProvider()).getTracer(INSTRUMENTATION_SCOPE);
  const meter = (options.meterProvider ?? metrics.getMeterProvider()).getMeter(INSTRUMENTATION_SCOPE);
  const requests = meter.createCounter(METRIC.requests, {
    description: 'Requests decided by the resource server, by decision and refusal code',
    unit: '{request}',
  });
  const duration = meter.createHistogram(METRIC.duration, {
    description: 'Time to decide a request',
    unit: 's',
  });
  const introspection = meter.createHistogram(METRIC.introspectionDuration, {
    description: 'Time of token introspection calls, retries included',
    unit: 's',
  });
  // Several resource servers may share one `otel()`: each attaches its status.
  const servers: Array<() => ResourceServerStatus> = [];
  const dependencies = (): DependencyHealth[] => servers.flatMap((status) => status().dependencies);
  observeDependencies(meter, dependencies);
  const instruments: Instruments = { tracer, requests, duration, introspection };
  return {
    attach(status) {
      servers.push(status);
    },
    startRequest: (request) => new RequestSpan(instruments, request),
  };
}

interface Instruments {
  readonly tracer: Tracer;
  readonly requests: Counter;
  readonly duration: Histogram;
  readonly introspection: Histogram;
}

const STAGE_EVENTS: Readonly<Record<PipelineStage, string>> = {
  'dpop-proof': 'rs.dpop_proof',
  confirm: 'rs.confirm',
  'dpop-replay': 'rs.dpop_replay',
  authorize: 'rs.authorize',
};

class RequestSpan implements RequestTelemetry {
  private readonly span: Span;

  constructor(
    private readonly instruments: Instruments,
    request: RsRequest,
  ) {
    this.span = instruments.tracer.startSpan(SPAN_NAME, {
      kind: SpanKind.INTERNAL,
      attributes: { [ATTR.httpMethod]: request.method },
    });
  }

  extracted(scheme: 'Bearer' | 'DPoP'): void {
    this.span.addEvent('rs.extract', { [ATTR.scheme]: scheme });
  }

  run<T>(pipeline: () => T): T {
    return context.with(trace.setSpan(context.active(), this.span), pipeline);
  }

  stage(name: PipelineStage): void {
    this.span.addEvent(STAGE_EVENTS[name]);
  }

  cacheLookup(hit: boolean): void {
    this.span.addEvent('rs.cache.lookup', { [ATTR.cacheHit]: hit });
  }

  introspected(durationMs: number, outcome: IntrospectionOutcome): void {
    this.span.addEvent('rs.introspection', {
      [ATTR.introspectionOutcome]: outcome,
      [ATTR.introspectionDuration]: durationMs / 1000,
    });
    this.instruments.introspection.record(durationMs / 1000, { [ATTR.introspectionOutcome]: outcome });
  }

  resolved(info: TokenInfo): void {
    this.span.addEvent('rs.resolve', { [ATTR.tokenSource]: info.source });
  }

  end(event: AuditEvent, error?: unknown): void {
    const span = this.span;
    span.setAttributes(decisionAttributes(event));
    if (event.decision === 'unavailable') {
      // Only the class and the code: a message may quote whatever the failing part was given.
      span.setStatus({ code: SpanStatusCode.ERROR, message: event.code ?? 'authenticate threw' });
      if (error !== undefined) span.setAttribute(ATTR.errorType, errorType(error));
    }
    span.end();
    const attributes: Attributes = { [ATTR.decision]: event.decision };
    if (event.code !== undefined) attributes[ATTR.errorType] = event.code;
    else if (error !== undefined) attributes[ATTR.errorType] = errorType(error);
    this.instruments.requests.add(1, attributes);
    this.instruments.duration.record(event.durationMs / 1000, attributes);
  }
}

function decisionAttributes(event: AuditEvent): Attributes {
  const attributes: Attributes = { [ATTR.decision]: event.decision, [ATTR.urlPath]: event.path };
  // The status is known only when the resource server answers; an accepted request is the application's.
  if (event.decision !== 'accepted') attributes[ATTR.httpStatus] = event.status;
  if (event.code !== undefined) attributes[ATTR.errorType] = event.code;
  if (event.issuer !== undefined) attributes[ATTR.issuer] = event.issuer;
  if (event.clientId !== undefined) attributes[ATTR.clientId] = event.clientId;
  if (event.subject !== undefined) attributes[ATTR.subject] = event.subject;
  if (event.tokenId !== undefined) attributes[ATTR.tokenId] = event.tokenId;
  if (event.trackingId !== undefined) attributes[ATTR.trackingId] = event.trackingId;
  if (event.scopesGranted.length > 0) attributes[ATTR.scopes] = [...event.scopesGranted];
  return attributes;
}

function errorType(error: unknown): string {
  return error instanceof Error ? error.name : 'unknown';
}

/** Observable instruments over the dependencies' own counters, read at each collection. */
function observeDependencies(
  meter: ReturnType<MeterProvider['getMeter']>,
  dependencies: () => DependencyHealth[],
): void {
  const jwksFetches = meter.createObservableCounter(METRIC.jwksFetches, {
    description: 'JWK set fetches, by outcome',
    unit: '{fetch}',
  });
  const cacheHits = meter.createObservableCounter(METRIC.cacheHits, { unit: '{lookup}' });
  const cacheMisses = meter.createObservableCounter(METRIC.cacheMisses, { unit: '{lookup}' });
  const cacheEvictions = meter.createObservableCounter(METRIC.cacheEvictions, { unit: '{entry}' });
  const replayFailures = meter.createObservableCounter(METRIC.replayStoreFailures, {
    description: 'DPoP replay-store calls that failed (each answered 503)',
    unit: '{call}',
  });
  const ready = meter.createObservableGauge(METRIC.dependencyReady, {
    description: '1 when the dependency is ready, 0 when not',
  });
  meter.addBatchObservableCallback(
    (observe) => {
      // One observation per instrument and attribute set: the SDK keeps only the last of equal ones, so
      // two JWK sets reported under the same attributes would hide each other. Counters of parts with the
      // same attributes (two resource servers on one URL) add up; a gauge is ready only if all of them are.
      const counted = new ObservationTotals((sum, value) => sum + value);
      const readiness = new ObservationTotals(Math.min);
      for (const dependency of dependencies()) {
        readiness.add(ready, dependency.ready ? 1 : 0, readinessAttributes(dependency));
        if (dependency.kind === 'jwk-set') {
          counted.add(
            jwksFetches,
            dependency.fetches - dependency.failures,
            fetchAttributes(dependency.url, 'success'),
          );
          counted.add(jwksFetches, dependency.failures, fetchAttributes(dependency.url, 'failure'));
        } else if (dependency.kind === 'token-cache') {
          counted.add(cacheHits, dependency.hits);
          counted.add(cacheMisses, dependency.misses);
          counted.add(cacheEvictions, dependency.evictions);
        } else if (dependency.kind === 'replay-store') {
          counted.add(replayFailures, dependency.failures);
        }
      }
      // Counters with no part to read from still report 0, so that dashboards show the series.
      for (const instrument of [cacheHits, cacheMisses, cacheEvictions, replayFailures])
        counted.add(instrument, 0);
      for (const totals of [counted, readiness]) {
        for (const { instrument, value, attributes } of totals.observations()) {
          observe.observe(instrument, value, attributes);
        }
      }
    },
    [jwksFetches, cacheHits, cacheMisses, cacheEvictions, replayFailures, ready],
  );
}

/**
 * The readiness gauge's attributes: the kind, and for a JWK set or an introspection endpoint its URL as
 * `status()` shows it (without query or credentials), so that each remote dependency is its own series.
 * Bounded by configuration, never by requests.
 */
function readinessAttributes(dependency: DependencyHealth): Attributes {
  const attributes: Attributes = { [ATTR.dependencyKind]: dependency.kind };
  if (dependency.kind === 'jwk-set') attributes[ATTR.urlFull] = dependency.url;
  else if (dependency.kind === 'introspection') attributes[ATTR.urlFull] = dependency.endpoint;
  return attributes;
}

function fetchAttributes(url: string, outcome: 'success' | 'failure'): Attributes {
  return { [ATTR.urlFull]: url, [ATTR.fetchOutcome]: outcome };
}
