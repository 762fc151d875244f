import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { promisify } from 'node:util';
import { answersPing } from './redis-process.js';

const run = promisify(execFile);

/** One redis-server process of a Cluster or Sentinel setup, on 127.0.0.1. */
export interface RedisNode {
  readonly port: number;
  readonly address: string;
  /** Kills the process at once (SIGKILL): a crashed primary, as its peers and clients see it. */
  kill(): Promise<void>;
  readonly killed: boolean;
}

const running = new Set<ChildProcess>();

// A test run that crashes must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts `redis-server` with `args` (a config file, `--sentinel`, …) in `dir`, and waits until it answers
 * PING on `port`.
 */
export async function startRedisNode(port: number, args: readonly string[], dir: string): Promise<RedisNode> {
  const child = spawn('redis-server', [...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  let output = '';
  const collect = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  child.once('exit', () => running.delete(child));
  const node: RedisNode = {
    port,
    address: `127.0.0.1:${port}`,
    get killed() {
      return child.exitCode !== null || child.signalCode !== null;
    },
    async kill() {
      if (node.killed) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    },
  };
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (node.killed) throw new Error(`redis-server on port ${port} exited at start:\n${output}`);
    if (await answersPing(port)) return node;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await node.kill();
  throw new Error(`redis-server on port ${port} did not answer PING within 5 s:\n${output}`);
}

/** Runs `redis-cli` with `args`, bounded in time, and returns what it printed. */
export async function redisCli(args: readonly string[], timeoutMs = 10_000): Promise<string> {
  const { stdout } = await run('redis-cli', [...args], { timeout: timeoutMs, encoding: 'utf8' });
  return stdout;
}

/** Polls until `condition` holds; fails with `what` after `timeoutMs`. */
export async function eventually(
  what: string,
  condition: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      if (await condition()) return;
    } catch {
      // Not up yet: asked again below.
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Waits until every replica of `primary` has acknowledged every write made so far, by any client: the
 * primary's replication offset now, against the offsets its replicas report (`INFO replication`).
 * `WAIT` cannot serve here: it waits only for the writes of the connection that sends it, and a fresh
 * `redis-cli` has made none, so it answers at once whatever the replicas hold.
 */
export async function replicated(primary: RedisNode, timeoutMs = 30_000): Promise<void> {
  const info = () => redisCli(['-p', String(primary.port), 'INFO', 'replication']);
  const written = Number(/master_repl_offset:(\d+)/.exec(await info())?.[1]);
  if (!Number.isSafeInteger(written)) throw new Error(`port ${primary.port} reports no replication offset`);
  await eventually(
    `the replicas of port ${primary.port} to acknowledge offset ${written}`,
    async () => {
      const acknowledged = [...(await info()).matchAll(/^slave\d+:.*\boffset=(\d+)/gm)].map((m) =>
        Number(m[1]),
      );
      return acknowledged.length > 0 && acknowledged.every((offset) => offset >= written);
    },
    timeoutMs,
  );
}
