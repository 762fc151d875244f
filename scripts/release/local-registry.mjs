// A throwaway npm registry on loopback: verdaccio (a pinned devDependency) with its storage in a temp
// directory, @rs/* served only from what is published to it, everything else proxied to the registry this
// machine's npm uses.
import { execFileSync, spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const VERDACCIO = join(ROOT, 'node_modules', 'verdaccio', 'bin', 'verdaccio');

/** A loopback port nobody listens on right now. */
export async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** The registry npm reaches from here (`npm config get registry`): verdaccio's uplink. */
function upstreamRegistry() {
  return execFileSync('npm', ['config', 'get', 'registry'], { encoding: 'utf8' }).trim();
}

/**
 * Starts verdaccio in `dir` and registers a publishing user.
 * @returns {Promise<{ url: string, token: string, npmrc: string, stop: () => Promise<void> }>}
 */
export async function startLocalRegistry(dir) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}/`;
  const config = join(dir, 'verdaccio.yaml');
  writeFileSync(
    config,
    [
      `storage: ${JSON.stringify(join(dir, 'storage'))}`,
      'auth:',
      '  htpasswd:',
      `    file: ${JSON.stringify(join(dir, 'htpasswd'))}`,
      '    max_users: 10',
      'uplinks:',
      '  upstream:',
      `    url: ${JSON.stringify(upstreamRegistry())}`,
      '    timeout: 60s',
      '    maxage: 30m',
      'packages:',
      // Never from the upstream: the @rs packages installed are the ones just published.
      "  '@rs/*':",
      '    access: $all',
      '    publish: $authenticated',
      "  '**':",
      '    access: $all',
      '    publish: $authenticated',
      '    proxy: upstream',
      'web:',
      '  enable: false',
      'log: { type: stdout, format: pretty, level: warn }',
      '',
    ].join('\n'),
  );
  const child = spawn(process.execPath, [VERDACCIO, '--config', config, '--listen', `127.0.0.1:${port}`], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  // Interrupted (Ctrl-C, a CI timeout): take verdaccio down too rather than leave it listening.
  for (const signal of ['SIGINT', 'SIGTERM']) {
    process.once(signal, () => {
      child.kill('SIGTERM');
      process.exit(130);
    });
  }
  await waitUntilUp(url, exited, () => output);
  const token = await addUser(url);
  const npmrc = join(dir, 'npmrc');
  writeFileSync(npmrc, `registry=${url}\n//127.0.0.1:${port}/:_authToken=${token}\n`);
  return {
    url,
    token,
    npmrc,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitUntilUp(url, exited, output) {
  let gone = false;
  exited.then(() => {
    gone = true;
  });
  for (let attempt = 0; attempt < 600; attempt++) {
    if (gone) throw new Error(`verdaccio exited before it listened:\n${output()}`);
    try {
      const response = await fetch(`${url}-/ping`);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`verdaccio did not answer on ${url} within 60 s:\n${output()}`);
}

// The CouchDB user API npm's `adduser` uses: creates the user and answers a token.
async function addUser(url) {
  const name = 'rs-release';
  const response = await fetch(`${url}-/user/org.couchdb.user:${name}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ name, password: `release-${process.pid}-${Date.now()}`, type: 'user' }),
  });
  const body = await response.json();
  if (!response.ok || typeof body.token !== 'string') {
    throw new Error(`verdaccio refused the release user: ${response.status} ${JSON.stringify(body)}`);
  }
  return body.token;
}
