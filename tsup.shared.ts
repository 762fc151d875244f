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
    sourcemap: true,
    clean: true,
    target: 'node20',
    splitting: false,
    ...options,
  });
}
