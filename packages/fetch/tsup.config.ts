import { packageBuildConfig } from '../../tsup.shared.js';

// Workers, Deno and Bun all run ES2022; nothing here needs a Node-specific target.
export default packageBuildConfig({
  // `@rs/fetch/lite`: the same adapter over `@rs/core/lite`, for Workers whose bundle must stay small.
  entry: { index: 'src/index.ts', lite: 'src/lite.ts' },
  target: 'es2022',
  platform: 'neutral',
});
