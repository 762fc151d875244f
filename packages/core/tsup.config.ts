import { packageBuildConfig } from '../../tsup.shared.js';

export default packageBuildConfig({
  entry: { index: 'src/index.ts', 'node/index': 'src/node/index.ts' },
  // Shared chunks: `@rs/core` and `@rs/core/node` must share one copy of each class (RsConfigError,
  // HttpClientError, …) or `instanceof` fails across the two entry points.
  splitting: true,
});
