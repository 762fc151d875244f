import { defineConfig, type Options } from 'tsup';

/**
 * The build every published package shares: ESM and CommonJS with type declarations for both, one file
 * per entry point. Packages pass only what differs (entries, target, platform).
 */
export function packageBuildConfig(options: Options = {}): ReturnType<typeof defineConfig> {
  return defineConfig({
    entry: { index: 'src/index.ts' },
    format: ['esm', 'cjs'],
    dts: true,
    // No source maps: the output is readable, unminified JavaScript, and maps carrying the sources would
    // more than double what every install downloads (scripts/measure-install-size.mjs).
    sourcemap: false,
    clean: true,
    target: 'node20',
    splitting: false,
    ...options,
  });
}
