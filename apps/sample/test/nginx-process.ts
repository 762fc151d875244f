import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A real nginx on 127.0.0.1 terminating TLS, run in the foreground from a temporary prefix. */
export interface NginxProcess {
  readonly url: string;
  stop(): Promise<void>;
}

/** What nginx terminates and where it forwards. */
export interface NginxTlsProxy {
  readonly certPem: string;
  readonly keyPem: string;
  /** The plain-HTTP upstream, e.g. `http://127.0.0.1:41234`. */
  readonly upstream: string;
  /** The header carrying `$ssl_client_escaped_cert` to the upstream. */
  readonly certificateHeader: string;
}

function nginxBinary(): string {
  for (const candidate of ['nginx', '/usr/sbin/nginx']) {
    try {
      execFileSync(candidate, ['-v'], { stdio: 'pipe' });
      return candidate;
    } catch {
      // Not this one; /usr/sbin is often missing from a non-root PATH.
    }
  }
  throw new Error(
    'nginx is not installed: the end-to-end mTLS test runs a real nginx. ' +
      'Install it (Debian/Ubuntu: apt-get install -y nginx; .ci/run does) and run the tests again.',
  );
}

/**
 * Starts nginx with `daemon off`: pid, logs and temp files in its own prefix, so it touches nothing of a
 * system nginx. `optional_no_ca` asks for a certificate without judging its chain, as RFC 8705 allows;
 * `proxy_set_header` replaces whatever `X-Client-Cert` the client sent, and drops it when there was no
 * certificate, which is the stripping a trusted header needs.
 */
export async function startNginx(proxy: NginxTlsProxy): Promise<NginxProcess> {
  const binary = nginxBinary();
  const prefix = mkdtempSync(join(tmpdir(), 'rs-nginx-'));
  const port = await freePort();
  writeFileSync(join(prefix, 'server.pem'), proxy.certPem);
  writeFileSync(join(prefix, 'server.key'), proxy.keyPem, { mode: 0o600 });
  // Run by root, nginx's workers would switch to `nobody`, who cannot enter the 0700 prefix.
  const user = process.getuid?.() === 0 ? 'user root root;' : '';
  writeFileSync(
    join(prefix, 'nginx.conf'),
    `${user}
daemon off;
worker_processes 1;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  access_log ${prefix}/access.log;
  client_body_temp_path ${prefix}/client_body;
  proxy_temp_path ${prefix}/proxy;
  fastcgi_temp_path ${prefix}/fastcgi;
  uwsgi_temp_path ${prefix}/uwsgi;
  scgi_temp_path ${prefix}/scgi;
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${prefix}/server.pem;
    ssl_certificate_key ${prefix}/server.key;
    ssl_verify_client optional_no_ca;
    location / {
      proxy_pass ${proxy.upstream};
      proxy_set_header ${proxy.certificateHeader} $ssl_client_escaped_cert;
    }
  }
}
`,
  );
  const child = spawn(
    binary,
    ['-p', prefix, '-c', join(prefix, 'nginx.conf'), '-e', join(prefix, 'error.log')],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  try {
    await waitForPort(port, child, () => `${stderr}${readLog(prefix)}`);
  } catch (error) {
    await stop(child);
    rmSync(prefix, { recursive: true, force: true });
    throw error;
  }
  return {
    url: `https://127.0.0.1:${port}`,
    async stop() {
      await stop(child);
      rmSync(prefix, { recursive: true, force: true });
    },
  };
}

function readLog(prefix: string): string {
  const log = join(prefix, 'error.log');
  return existsSync(log) ? readFileSync(log, 'utf8') : '';
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  // SIGTERM is nginx's fast shutdown: master and workers exit at once.
  child.kill('SIGTERM');
  await once(child, 'exit');
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not find a free port');
  return address.port;
}

async function waitForPort(port: number, child: ChildProcess, diagnostics: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${diagnostics()}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    if (Date.now() > deadline) throw new Error(`nginx did not listen on ${port}: ${diagnostics()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
