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
  // jose 6 is published as ES modules only, which `require()` loads only from Node 20.19 and 22.12: the
  // CommonJS build carries its own copy (and its MIT licence), so that it loads on every Node this package
  // supports (engines: >=20.11). Keys cross between the copies as they are: jose takes and makes WebCrypto
  // `CryptoKey` objects, recognised by their brand, not by class.
  commonJsBundledDependencies: [{ name: 'jose', declarations: 'dist/types/types.d.ts' }],
});
