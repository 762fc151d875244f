// How the scripts around the local registry run commands and install projects from it.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';

/** Runs a command and answers its stdout; asynchronous, so servers in this process keep answering. */
export async function run(command, args, options) {
  return (await promisify(execFile)(command, args, { maxBuffer: 64 << 20, encoding: 'utf8', ...options }))
    .stdout;
}

/** `npm install` in `dir` from the registry its `.npmrc` names, with a cache shared under `work`. */
export function npmInstall(dir, work, env = process.env) {
  return run(
    'npm',
    [
      'install',
      '--prefer-offline',
      '--no-audit',
      '--no-fund',
      '--loglevel=error',
      `--cache=${join(work, 'npm-cache')}`,
    ],
    { cwd: dir, env: { ...env, NPM_CONFIG_USERCONFIG: join(dir, '.npmrc') } },
  );
}
