import { describe, expect, it } from 'vitest';
import { runSuiteIn, SUITE_TIMEOUT_MS } from './support/conformance-in-runtime.js';

// The whole shared adapter conformance suite of @rs/testkit, with vitest itself running under Bun and
// Deno: the adapters, core, the suite's loopback servers and its client all execute in that runtime.
// (workerd cannot host vitest: no process, no child processes, no server sockets of its own.)
describe.each(['bun', 'deno'] as const)('the shared conformance suite under %s', (runtime) => {
  it.each([
    ['fetch', 'test/conformance.test.ts'],
    ['hono', 'test/conformance.test.ts'],
  ])(
    `passes for @rs/%s`,
    async (pkg, file) => {
      const run = await runSuiteIn(runtime, pkg, file);
      expect(run.report, run.output).toBeDefined();
      const report = run.report!;
      expect(report.numFailedTests, run.output).toBe(0);
      expect(report.success, run.output).toBe(true);
      expect(run.exitCode, run.output).toBe(0);
      expect(report.numPassedTests).toBeGreaterThan(20);
      // Skipped: only the cases about the client certificate of a TLS connection, which Fetch lacks.
      expect(report.numPassedTests + report.numPendingTests).toBe(report.numTotalTests);
    },
    SUITE_TIMEOUT_MS + 10_000,
  );
});
