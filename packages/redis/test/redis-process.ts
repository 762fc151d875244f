import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';

/** A real redis-server on 127.0.0.1, for one test file. */
export interface RedisProcess {
  readonly port: number;
  readonly url: string;
  /** Kills the server at once (SIGKILL): what an outage looks like to the clients. */
  kill(): Promise<void>;
  /** Starts a new, empty server on the same port. */
  restart(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay up, answers stop coming, as with a hung server. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT). */
  thaw(): void;
}

/** A test server keeps nothing on disk, and says only what went wrong. */
export const EPHEMERAL_SERVER_ARGS = ['--save', '', '--appendonly', 'no', '--loglevel', 'warning'];

const running = new Set<ChildProcess>();

// A test run that crashes must not leave servers behind.
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts redis-server on a free port, without persistence, and waits until it answers PING. Fails with
 * an explanation when redis-server is not installed: these tests need a real Redis and never skip.
 */
export async function startRedis(): Promise<RedisProcess> {
  requireRedisServer();
  const port = await freePort();
  let child = await spawnRedis(port);
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    async kill() {
      await stop(child);
    },
    async restart() {
      await stop(child);
      child = await spawnRedis(port);
    },
    freeze() {
      child.kill('SIGSTOP');
    },
    thaw() {
      child.kill('SIGCONT');
    },
  };
}

/** Kills every server started by this file's tests. */
export async function stopAllRedis(): Promise<void> {
  await Promise.all([...running].map((child) => stop(child)));
}

export function requireRedisServer(): void {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'pipe' });
  } catch {
    throw new Error(
      'redis-server is not on PATH: the @rs/redis tests run against a real Redis. ' +
        'Install it (Debian/Ubuntu: apt-get install -y redis-server; macOS: brew install redis) and run them again.',
    );
  }
}

/** Binds port 0 to let the system pick a free port, and releases it for redis-server to take. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

async function spawnRedis(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    [
      '--port',
      String(port),
      '--bind',
      '127.0.0.1',
      ...EPHEMERAL_SERVER_ARGS,
      // DEBUG SLEEP makes a slow Redis for the timeout tests; Redis 7 allows DEBUG only when told to.
      '--enable-debug-command',
      'local',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  running.add(child);
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.once('exit', () => running.delete(child));
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`redis-server on port ${port} exited at start:\n${output}`);
    }
    if (await answersPing(port)) return child;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await stop(child);
  throw new Error(`redis-server on port ${port} did not answer PING within 5 s:\n${output}`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGKILL');
  await exited;
}

/** Sends an inline PING and waits for +PONG, over a plain socket so that readiness does not depend on the code under test. */
export function answersPing(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
