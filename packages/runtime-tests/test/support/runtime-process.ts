import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import type { RuntimeAppConfig } from '../../src/app-config.js';
import type { RuntimeAppKind } from '../../src/entries/app-for.js';
import { type RuntimeName, runtimeBinary } from './runtime-binaries.js';

/** An app served by a runtime in a child process on loopback. */
export interface RuntimeProcess {
  readonly url: string;
  /** What the child wrote to stdout and stderr so far, for failure messages. */
  output(): string;
  close(): Promise<void>;
}

const PACKAGE_DIR = new URL('../..', import.meta.url).pathname;
const ENTRIES = join(PACKAGE_DIR, 'src/entries');
/** How long a runtime may take to answer its first request. Generous: CI is a loaded 2-core machine. */
const START_TIMEOUT_MS = 60_000;
const STOP_GRACE_MS = 5_000;

/** A port that was free a moment ago: the runtimes take a port number, not an open socket. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

/** How `startRuntime` runs workerd: its outbound network, and when the Worker builds its app. */
export interface WorkerdSettings {
  readonly workerdOutbound?: WorkerdOutbound;
  readonly workerdBuild?: WorkerdBuild;
}

/**
 * Starts `runtime` serving the `kind` app configured with `config` on `port`, and waits until it answers
 * `/health`. The child is killed when the test process exits, whatever happens.
 */
export async function startRuntime(
  runtime: RuntimeName,
  kind: RuntimeAppKind,
  config: RuntimeAppConfig,
  port: number,
  { workerdOutbound = 'loopback', workerdBuild = 'first-request' }: WorkerdSettings = {},
): Promise<RuntimeProcess> {
  const binary = runtimeBinary(runtime);
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? tmpdir(),
    RS_APP_KIND: kind,
    RS_APP_CONFIG: JSON.stringify(config),
    RS_APP_PORT: String(port),
  };
  let scratch: string | undefined;
  let child: ChildProcess;
  if (runtime === 'bun') {
    // The suite sends large tokens; Bun's default header limit is 16 KiB.
    child = spawn(binary, ['--max-http-header-size=65536', join(ENTRIES, 'bun-server.ts')], {
      cwd: PACKAGE_DIR,
      env: { ...env, BUN_RUNTIME_TRANSPILER_CACHE_PATH: '0', DO_NOT_TRACK: '1' },
    });
  } else if (runtime === 'deno') {
    child = spawn(
      binary,
      [
        'run',
        `--allow-net=127.0.0.1`,
        '--allow-env',
        '--allow-read',
        '--no-prompt',
        '--no-lock',
        // This package's own TypeScript imports its siblings as '.js', as tsc wants; the packages come from node_modules.
        '--sloppy-imports',
        join(ENTRIES, 'deno-server.ts'),
      ],
      {
        cwd: PACKAGE_DIR,
        env: { ...env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: join(tmpdir(), 'rs-deno-cache') },
      },
    );
  } else {
    scratch = mkdtempSync(join(tmpdir(), 'rs-workerd-'));
    await bundleWorker(join(scratch, 'worker.js'), kind, workerdBuild);
    writeFileSync(join(scratch, 'config.capnp'), workerdConfig(kind, config, port, workerdOutbound));
    child = spawn(binary, ['serve', join(scratch, 'config.capnp'), '--verbose'], { cwd: scratch, env });
  }
  const stop = () => child.kill('SIGKILL');
  process.once('exit', stop);

  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;

  async function close(): Promise<void> {
    process.off('exit', stop);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    }
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }

  try {
    await waitUntilServing(url, exited, runtime);
  } catch (error) {
    await close();
    throw new Error(`${runtime} did not start: ${(error as Error).message}\n${output}`);
  }
  return { url, output: () => output, close };
}

async function waitUntilServing(url: string, exited: Promise<number | null>, runtime: RuntimeName) {
  let gone: number | null | undefined;
  void exited.then((code) => (gone = code));
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (gone !== undefined) throw new Error(`${runtime} exited with code ${gone}`);
    try {
      const response = await fetch(`${url}/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`no answer on ${url} within ${START_TIMEOUT_MS} ms`);
}

/**
 * When the Worker builds its app: on its `first-request` (workerd-worker.ts), or at `module-scope` when
 * workerd loads it, as the README examples do (workerd-module-scope-worker.ts), where the clock stands at
 * 0 and random values may not be drawn.
 */
export type WorkerdBuild = 'first-request' | 'module-scope';

/** The entry of each Worker: the `fetch-lite` app has its own, so that its bundle holds only the lite entries. */
const WORKER_ENTRIES: Record<WorkerdBuild, { readonly full: string; readonly lite: string }> = {
  'first-request': { full: 'workerd-worker.ts', lite: 'workerd-lite-worker.ts' },
  'module-scope': { full: 'workerd-module-scope-worker.ts', lite: 'workerd-lite-module-scope-worker.ts' },
};

/**
 * One ES module for workerd: the Worker entry with @rs/fetch, @rs/hono and @rs/core from their dist/; for
 * the `fetch-lite` app, its own entry, so that the bundle holds only the lite entries.
 */
async function bundleWorker(outfile: string, kind: RuntimeAppKind, when: WorkerdBuild): Promise<void> {
  const entries = WORKER_ENTRIES[when];
  await build({
    entryPoints: [join(ENTRIES, kind === 'fetch-lite' ? entries.lite : entries.full)],
    outfile,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    // What wrangler resolves for Workers: no `node` condition, so @rs/core's pure entry.
    conditions: ['workerd', 'worker', 'browser'],
    mainFields: ['module', 'main'],
    // workerd's own module, which the module-scope Workers read their bindings from.
    external: ['cloudflare:workers'],
    logLevel: 'silent',
  });
}

/**
 * Where a Worker's outbound `fetch` may connect: `loopback` (`allow = ["local"]`), which the tests need
 * to reach the JWK set and the authorization server they start, or workerd's `default` (public
 * addresses only, as on Cloudflare), which refuses 127.0.0.1.
 */
export type WorkerdOutbound = 'loopback' | 'default';

/** workerd's configuration: the Worker on 127.0.0.1:port, with the outbound network asked for. */
function workerdConfig(
  kind: RuntimeAppKind,
  config: RuntimeAppConfig,
  port: number,
  outbound: WorkerdOutbound,
): string {
  const text = (value: string) => JSON.stringify(value);
  return `using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .app),
    (name = "loopback", network = (allow = ["local"])),
  ],
  sockets = [(name = "http", address = "127.0.0.1:${port}", http = (), service = "main")],
);

const app :Workerd.Worker = (
  modules = [(name = "worker.js", esModule = embed "worker.js")],
  compatibilityDate = "2025-09-01",
  bindings = [
    (name = "RS_APP_KIND", text = ${text(kind)}),
    (name = "RS_APP_CONFIG", text = ${text(JSON.stringify(config))}),
  ],
  ${outbound === 'loopback' ? 'globalOutbound = "loopback",' : ''}
);
`;
}
