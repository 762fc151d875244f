/**
 * `@rs/core/otel`: OpenTelemetry for a resource server. The only entry of @rs/core that imports
 * `@opentelemetry/api`, an optional peer dependency: install it to use this entry.
 *
 * @packageDocumentation
 */
export { ATTR, METRIC, SPAN_NAME } from './otel-names.js';
export { type OtelOptions, otel } from './otel-telemetry.js';
