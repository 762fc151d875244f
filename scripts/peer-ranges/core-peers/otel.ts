// Compiled only when @opentelemetry/api is installed (the one peer `@rs/core/otel` needs at load time and in
// its declarations), so that its declarations are checked against the version installed.
import type { Telemetry } from '@rs/core';
import { otel } from '@rs/core/otel';

export const telemetry = (): Telemetry => otel();
