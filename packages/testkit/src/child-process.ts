import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

/**
 * Whether a process exits by itself can only be seen from another process: these tests run a script in
 * a child Node, as an application runs it, against the BUILT `@rs/core` (`dist/`, what an application
 * imports; rebuild core after changing its src). The script reports, as lines of JSON on stdout, what
 * it saw; the parent asserts on them, on the exit code, and on the child exiting at all.
 */
export interface ChildOutcome {
  /** The exit code, or `null` when the child was killed: it had not exited by itself in time. */
  readonly code: number | null;
  /** The reports the script wrote with `report(...)`, in order. */
  readonly reports: readonly Record<string, unknown>[];
  /** Its stderr, to show when it failed. */
  readonly stderr: string;
}

// The built core beside this package, as the workspace links it.
const DIST = join(dirname(createRequire(import.meta.url).resolve('@rs/core/package.json')), 'dist');

// What each script starts with: the package as an application imports it (the Node build), and helpers
// to report and to see what keeps the process alive beyond what it held before the work began.
const PRELUDE = `
const core = await import(${JSON.stringify(pathToFileURL(join(DIST, 'index.node.js')).href)});
const coreNode = await import(${JSON.stringify(pathToFileURL(join(DIST, 'node/index.js')).href)});
const args = JSON.parse(process.argv[2]);
function report(value) { process.stdout.write(JSON.stringify(value) + '\\n'); }
function resources() { return process.getActiveResourcesInfo(); }
// Taken once stdout and stderr are open (each pipe opens when first used): what the script holds besides.
report({ step: 'started' });
process.stderr.write('');
const baseline = resources();
function heldBeyondBaseline() {
  const left = [...resources()];
  for (const kind of baseline) { const at = left.indexOf(kind); if (at >= 0) left.splice(at, 1); }
  return left;
}
// Lets sockets destroyed a moment ago finish closing, as the README's comparisons before and after do.
const settle = () => new Promise((resolve) => setTimeout(resolve, 50));
`;

const children = new Set<ChildProcess>();
const directories: string[] = [];

/** Kills the children still running (by their handles) and removes their scripts: for `afterEach`. */
export function endChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
}

/** A child running a script: what it reported so far, and its end. */
export interface RunningChild {
  /** Resolves with the first report whose `step` is `step` (rejects if the child exits before it). */
  reported(step: string): Promise<Record<string, unknown>>;
  /** Sends the child a signal (`SIGTERM`, as Kubernetes does at shutdown). */
  signal(signal: NodeJS.Signals): void;
  /** Its end: by itself, or killed once `killAfterMs` passed. */
  readonly ended: Promise<ChildOutcome>;
}

/**
 * Starts `body` (the text of an ES module, after the prelude: `core`, `coreNode`, `args`, `report`,
 * `heldBeyondBaseline`, `settle` are in scope) in a child Node with `args` (JSON). A child still
 * running after `killAfterMs` is killed: the outcome's `code` is then `null`, which the test asserts
 * against. That bound says when to stop waiting for a process that hangs, not how fast the code is.
 */
export function startChild(body: string, args: unknown, killAfterMs: number): RunningChild {
  const directory = mkdtempSync(join(tmpdir(), 'rs-lifecycle-'));
  directories.push(directory);
  const script = join(directory, 'script.mjs');
  writeFileSync(script, `${PRELUDE}\n${body}\n`);
  const child = spawn(process.execPath, ['--no-warnings', script, JSON.stringify(args)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  const reports: Record<string, unknown>[] = [];
  const waiting = new Set<() => void>();
  let pending = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    pending += chunk;
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      if (line.startsWith('{')) reports.push(JSON.parse(line) as Record<string, unknown>);
    }
    for (const wake of waiting) wake();
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    stderr += chunk;
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
  const ended = new Promise<ChildOutcome>((resolve) => {
    child.once('close', (exitCode, signal) => {
      clearTimeout(killer);
      children.delete(child);
      for (const wake of waiting) wake();
      resolve({ code: signal === null ? exitCode : null, reports, stderr });
    });
  });
  let exited = false;
  void ended.then(() => {
    exited = true;
  });
  return {
    reported: (step) =>
      new Promise((resolve, reject) => {
        const look = (): void => {
          const found = reports.find((entry) => entry.step === step);
          if (found !== undefined) {
            waiting.delete(look);
            resolve(found);
          } else if (exited || child.exitCode !== null || child.signalCode !== null) {
            waiting.delete(look);
            reject(new Error(`the child ended without reporting "${step}":\n${stderr}`));
          }
        };
        waiting.add(look);
        look();
      }),
    signal: (signal) => child.kill(signal),
    ended,
  };
}

/** Runs `body` as {@link startChild} does, and waits for its end. */
export function runChild(body: string, args: unknown, killAfterMs: number): Promise<ChildOutcome> {
  return startChild(body, args, killAfterMs).ended;
}

/** The one report whose `step` is `step`. */
export function reportOf(outcome: ChildOutcome, step: string): Record<string, unknown> {
  const found = outcome.reports.find((entry) => entry.step === step);
  if (found === undefined) {
    throw new Error(`the child did not report "${step}" (exit ${outcome.code}):\n${outcome.stderr}`);
  }
  return found;
}
