// Typechecks every ```ts example in the packages' READMEs against the built packages, so the docs cannot
// drift from the API. Each example becomes a module in <package>/.readme-examples/ and tsc checks them
// with the package's own compiler settings, plus `exactOptionalPropertyTypes`, the strictest setting a
// user's project may have: every option the runtime reads as left out when given as `undefined` must say
// `| undefined` in its type, or such projects could not pass `process.env.X` to it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const root = new URL('..', import.meta.url).pathname;
const FENCE = /```ts[^\n]*\n([\s\S]*?)```/g;
let failures = 0;
let checked = 0;

for (const group of ['packages', 'apps']) {
  for (const name of readdirSync(join(root, group))) {
    const dir = join(root, group, name);
    const readme = join(dir, 'README.md');
    if (!existsSync(readme) || !existsSync(join(dir, 'tsconfig.json'))) continue;
    const blocks = [...readFileSync(readme, 'utf8').matchAll(FENCE)].map((match) => match[1]);
    if (blocks.length === 0) continue;
    const out = join(dir, '.readme-examples');
    rmSync(out, { recursive: true, force: true });
    mkdirSync(out);
    for (const [i, code] of blocks.entries()) {
      writeFileSync(join(out, `example-${i + 1}.ts`), `${code}\nexport {};\n`);
    }
    writeFileSync(
      join(out, 'tsconfig.json'),
      JSON.stringify({
        extends: '../tsconfig.json',
        compilerOptions: { noUnusedLocals: false, exactOptionalPropertyTypes: true },
        include: ['*.ts'],
      }),
    );
    try {
      execFileSync(join(root, 'node_modules/.bin/tsc'), ['-p', join(out, 'tsconfig.json')], {
        stdio: 'pipe',
      });
      console.log(`${group}/${name}/README.md: ${blocks.length} example(s) typecheck`);
      checked += blocks.length;
    } catch (error) {
      failures++;
      console.error(`${group}/${name}/README.md: examples do not typecheck\n${error.stdout}`);
    }
    rmSync(out, { recursive: true, force: true });
  }
}
console.log(`README examples: ${checked} typechecked, ${failures} package(s) failing`);
process.exit(failures > 0 ? 1 : 0);
