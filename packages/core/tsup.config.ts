import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({
  entry: {
    index: 'src/index.ts',
    'node/index': 'src/node/index.ts',
    'adapter/index': 'src/adapter/index.ts',
  },
  // Shared chunks: `@rs/core`, `@rs/core/node` and `@rs/core/adapter` must share one copy of each class
  // (RsConfigError, HttpClientError, …) or `instanceof` fails across the entry points.
  splitting: true,
});
