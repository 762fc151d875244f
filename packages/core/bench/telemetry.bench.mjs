// Benchmark: what audit events and OpenTelemetry cost per request, and that they cost nothing when off.
// One ES256 JWT, verified once and then answered by the verified-token cache, so that the pipeline is as
// cheap as it gets and any overhead shows. Rows: no telemetry (the bare pipeline, as every server without
// `onAudit`/`telemetry` runs), `onAudit` with an empty hook, `otel()` with the API alone (no SDK: the
// no-op tracer), and `otel()` with the SDK (in-memory span exporter, a metric reader). Interleaved rounds,
// CPU µs per request, min / median / max. Prints figures; asserts nothing.
//
//   node --expose-gc packages/core/bench/telemetry.bench.mjs     (after `pnpm --filter @rs/core build`)
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { createResourceServer, jwtResolver, staticJwks } from '@rs/core';
import { otel } from '@rs/core/otel';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 7);
const BATCH = Number(process.env.BENCH_BATCH ?? 20_000);
const ISSUER = 'https://as.bench.test';
const AUDIENCE = 'https://api.bench.test';

class QuietReader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  onForceFlush() {
    return Promise.resolve();
  }
  onShutdown() {
    return Promise.resolve();
  }
}

const { privateKey, publicKey } = await generateKeyPair('ES256');
const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256' };
const token = await new SignJWT({ scope: 'read', client_id: 'bench', jti: 'bench-1' })
  .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
  .setIssuer(ISSUER)
  .setAudience(AUDIENCE)
  .setSubject('alice')
  .setIssuedAt()
  .setExpirationTime('1h')
  .sign(privateKey);
const request = {
  method: 'GET',
  url: 'https://api.bench.test/items',
  headers: { authorization: `Bearer ${token}` },
};

function server(extra = {}) {
  return createResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks({ keys: [jwk] }),
      verifiedTokenCache: {},
    }),
    policy: { scopes: ['read'] },
    ...extra,
  });
}

const exporter = new InMemorySpanExporter();
const withSdk = otel({
  tracerProvider: new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }),
  meterProvider: new MeterProvider({ readers: [new QuietReader()] }),
});
const rows = [
  { name: 'no telemetry, no onAudit (bare pipeline)', rs: server() },
  { name: 'onAudit (empty hook)', rs: server({ onAudit: () => {} }) },
  { name: 'otel(), API only (no SDK registered)', rs: server({ telemetry: otel() }) },
  { name: 'otel() with the SDK (in-memory spans)', rs: server({ telemetry: withSdk }) },
];
for (const row of rows) {
  const result = await row.rs.authenticate(request);
  if (!result.ok) throw new Error(`${row.name}: refused (${result.rejection.code})`);
}

const samples = new Map(rows.map((row) => [row.name, []]));
for (let round = -1; round < ROUNDS; round++) {
  for (const row of rows) {
    globalThis.gc?.();
    exporter.reset();
    const start = process.cpuUsage();
    for (let i = 0; i < BATCH; i++) await row.rs.authenticate(request);
    const { user, system } = process.cpuUsage(start);
    if (round >= 0) samples.get(row.name).push((user + system) / BATCH);
  }
}

const bare = median(samples.get(rows[0].name));
console.log(
  `\n### Telemetry cost per request (ES256, verified-token cache hit; ${ROUNDS} rounds of ${BATCH})\n`,
);
console.log('| configuration | CPU µs / request (min / median / max) | vs bare |');
console.log('| --- | --- | --- |');
for (const row of rows) {
  const values = [...samples.get(row.name)].sort((a, b) => a - b);
  const figures = `${values[0].toFixed(2)} / ${median(values).toFixed(2)} / ${values.at(-1).toFixed(2)}`;
  console.log(`| ${row.name} | ${figures} | ${(median(values) / bare).toFixed(2)}× |`);
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}
