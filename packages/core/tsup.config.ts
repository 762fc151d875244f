import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({
  entry: {
    index: 'src/index.ts',
    // The main entry as Node loads it (the `node` export condition): pooled undici as the default client.
    'index.node': 'src/index.node.ts',
    'node/index': 'src/node/index.ts',
    'adapter/index': 'src/adapter/index.ts',
    // `@rs/core/lite`: the same pipeline without its optional features, for small bundles (Workers).
    'lite/index': 'src/lite/index.ts',
    // `@rs/core/otel`: the only entry that imports @opentelemetry/api (an optional peer).
    'otel/index': 'src/otel/index.ts',
  },
  // Shared chunks: `@rs/core` (both builds), `@rs/core/node`, `@rs/core/adapter` and `@rs/core/lite` must share one copy of
  // each class (RsConfigError, HttpClientError, …) or `instanceof` fails across the entry points.
  splitting: true,
  // `import.meta.url` in the CommonJS build (optional peers are loaded with createRequire).
  shims: true,
});
