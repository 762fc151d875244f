import { defineConfig, type ViteUserConfig } from 'vitest/config';

type TestOptions = NonNullable<ViteUserConfig['test']>;

/** Coverage figures (per cent) below which a package's `vitest run --coverage` fails. */
export interface CoverageThresholds {
  readonly lines: number;
  readonly branches: number;
  readonly functions: number;
  readonly statements: number;
}

/**
 * The vitest settings every package shares. Each run also writes a JSON report that
 * `scripts/test-summary.mjs` adds up into one closing line for the whole monorepo.
 */
export function packageTestConfig(test: TestOptions = {}): ViteUserConfig {
  return defineConfig({
    test: {
      include: ['test/**/*.test.ts'],
      testTimeout: 20_000,
      hookTimeout: 30_000,
      reporters: ['default', 'json'],
      outputFile: { json: '.test-results/vitest.json' },
      ...test,
    },
  });
}

/**
 * Coverage of a package's `src/`, measured with V8's built-in coverage (no instrumentation, so
 * the run stays close to its uncovered speed). It is switched on by `--coverage` in the package's
 * `test` script rather than here, so that running one test file does not fail the thresholds.
 * Thresholds sit a little under the measured figures: they catch a change that leaves a new
 * file or branch untested, not the noise of moving code between files.
 */
export function coverageOf(thresholds: CoverageThresholds): TestOptions['coverage'] {
  return {
    provider: 'v8',
    include: ['src/**/*.ts'],
    reporter: ['text-summary', 'json-summary'],
    reportsDirectory: '.test-results/coverage',
    thresholds: { ...thresholds },
  };
}
