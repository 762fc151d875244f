import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RuntimeName, runtimeBinary } from './runtime-binaries.js';

/** The figures of vitest's JSON report that the test reads. */
export interface SuiteReport {
  readonly success: boolean;
  readonly numTotalTests: number;
  readonly numPassedTests: number;
  readonly numFailedTests: number;
  readonly numPendingTests: number;
}

/** The exit code, the report and the output of one run. */
export interface SuiteRun {
  readonly exitCode: number | null;
  readonly report: SuiteReport | undefined;
  readonly output: string;
}

const PACKAGES_DIR = new URL('../../..', import.meta.url).pathname;
/** Bound of one run, far above what it takes (a few seconds), so a hang fails instead of blocking CI. */
export const SUITE_TIMEOUT_MS = 180_000;

/**
 * Runs vitest itself under `runtime` (Bun with `--bun`, Deno with every permission) on one package's
 * test file: the test workers vitest starts are the runtime too, so the shared conformance suite, its
 * loopback servers and the adapter under test all run there. Killed after {@link SUITE_TIMEOUT_MS}.
 */
export async function runSuiteIn(
  runtime: Exclude<RuntimeName, 'workerd'>,
  pkg: string,
  file: string,
): Promise<SuiteRun> {
  const scratch = mkdtempSync(join(tmpdir(), `rs-${runtime}-suite-`));
  const reportFile = join(scratch, 'report.json');
  const cwd = join(PACKAGES_DIR, pkg);
  const vitest = join(cwd, 'node_modules/vitest/vitest.mjs');
  const vitestArgs = ['run', file, '--reporter=json', `--outputFile.json=${reportFile}`];
  const args =
    runtime === 'bun' ? ['--bun', vitest, ...vitestArgs] : ['run', '-A', '--no-lock', vitest, ...vitestArgs];
  const child = spawn(runtimeBinary(runtime), args, {
    cwd,
    env: { ...process.env, DENO_NO_UPDATE_CHECK: '1', DO_NOT_TRACK: '1', FORCE_COLOR: '0' },
  });
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop);
  const timer = setTimeout(stop, SUITE_TIMEOUT_MS);
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  try {
    const exitCode = await new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    let report: SuiteReport | undefined;
    try {
      report = JSON.parse(readFileSync(reportFile, 'utf8')) as SuiteReport;
    } catch {
      report = undefined;
    }
    return { exitCode, report, output };
  } finally {
    clearTimeout(timer);
    process.off('exit', stop);
    rmSync(scratch, { recursive: true, force: true });
  }
}
