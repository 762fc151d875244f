import { defineConfig, type ViteUserConfig } from 'vitest/config';

/**
 * The vitest settings every package shares. Each run also writes a JSON report that
 * `scripts/test-summary.mjs` adds up into one closing line for the whole monorepo.
 */
export function packageTestConfig(test: NonNullable<ViteUserConfig['test']> = {}): ViteUserConfig {
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
