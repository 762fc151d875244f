import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type ResourceMetrics,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  type ReadableSpan,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { Telemetry } from '../../src/index.js';
import { otel } from '../../src/otel/index.js';

/** A reader that exports on demand: `collect()` reads every instrument now. */
class OnDemandReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

/** One data point of a metric, with its attributes and value (a number, or a histogram's count). */
export interface Point {
  readonly attributes: Record<string, unknown>;
  readonly value: number;
}

/** `otel()` wired to the SDK's in-memory exporters: what the resource server recorded, read back. */
export interface RecordedTelemetry {
  readonly telemetry: Telemetry;
  spans(): ReadableSpan[];
  /** The points of `name` at this moment. */
  points(name: string): Promise<Point[]>;
  /** Everything recorded, as JSON, for searching. */
  dump(): Promise<string>;
}

export function recordTelemetry(): RecordedTelemetry {
  const exporter = new InMemorySpanExporter();
  const tracerProvider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new OnDemandReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  async function collect(): Promise<ResourceMetrics> {
    return (await reader.collect()).resourceMetrics;
  }
  return {
    telemetry: otel({ tracerProvider, meterProvider }),
    spans: () => exporter.getFinishedSpans(),
    async points(name) {
      const metrics = (await collect()).scopeMetrics.flatMap((scope) => scope.metrics);
      return metrics
        .filter((metric) => metric.descriptor.name === name)
        .flatMap((metric) =>
          metric.dataPoints.map((point) => ({
            attributes: { ...point.attributes },
            value: typeof point.value === 'number' ? point.value : (point.value as { count: number }).count,
          })),
        );
    },
    async dump() {
      const spans = exporter.getFinishedSpans().map((span) => ({
        name: span.name,
        attributes: span.attributes,
        events: span.events,
        status: span.status,
      }));
      return JSON.stringify({ spans, metrics: await collect() });
    },
  };
}

/** The sum of the points of a metric whose attributes include `match`. */
export function sumOf(points: readonly Point[], match: Record<string, unknown> = {}): number {
  return points
    .filter((point) => Object.entries(match).every(([key, value]) => point.attributes[key] === value))
    .reduce((sum, point) => sum + point.value, 0);
}
