// Checks what each publishable package would ship: publint (package.json and files) and
// arethetypeswrong (types that resolve under ESM and CJS). Run after the build.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const bin = (name) => join(root, 'node_modules/.bin', name);
let failures = 0;

for (const name of readdirSync(join(root, 'packages'))) {
  const dir = join(root, 'packages', name);
  const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  if (manifest.private) continue;
  for (const [tool, args] of [
    ['publint', ['--pack', 'npm', '--strict', dir]],
    // node10 cannot see subpath exports (`@rs/core/node`); every supported Node resolves them.
    ['attw', ['--pack', dir, '--profile', 'node16', '--format', 'table-flipped']],
  ]) {
    try {
      execFileSync(bin(tool), args, { stdio: 'pipe', env: { ...process.env, npm_config_loglevel: 'error' } });
      console.log(`${manifest.name}: ${tool} ok`);
    } catch (error) {
      failures++;
      console.error(`${manifest.name}: ${tool} found problems\n${error.stdout}${error.stderr}`);
    }
  }
}
process.exit(failures > 0 ? 1 : 0);
