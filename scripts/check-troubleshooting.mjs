#!/usr/bin/env node
// Keeps the root README's troubleshooting table and the code in step: every `ERR_RS_*` code thrown in a
// package's source and every OAuth error code of core's rejections (the `OAuthErrorCode` type) must have a
// row, and every row must name a code that still exists.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function sourceFiles(dir) {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((entry) => entry.isFile() && entry.name.endsWith('.ts'))
    .map((entry) => join(entry.parentPath, entry.name));
}

const inCode = new Set();
for (const name of readdirSync(join(ROOT, 'packages'))) {
  let files;
  try {
    files = sourceFiles(join(ROOT, 'packages', name, 'src'));
  } catch {
    continue;
  }
  for (const file of files) {
    for (const [, code] of readFileSync(file, 'utf8').matchAll(/['"](ERR_RS_[A-Z0-9_]+)['"]/g))
      inCode.add(code);
  }
}
const failure = readFileSync(join(ROOT, 'packages/core/src/errors/failure.ts'), 'utf8');
const oauthType = /export type OAuthErrorCode =([^;]+);/.exec(failure);
if (!oauthType) throw new Error('packages/core/src/errors/failure.ts has no OAuthErrorCode type');
for (const [, code] of oauthType[1].matchAll(/'([a-z_]+)'/g)) inCode.add(code);

const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
const table = /<!-- troubleshooting:start -->([\s\S]*?)<!-- troubleshooting:end -->/.exec(readme);
if (!table) throw new Error('README.md has no troubleshooting markers');
const inTable = new Set([...table[1].matchAll(/^\| `([A-Za-z0-9_]+)` \|/gm)].map(([, code]) => code));

const missing = [...inCode].filter((code) => !inTable.has(code)).sort();
const stale = [...inTable].filter((code) => !inCode.has(code)).sort();
for (const code of missing) console.error(`README.md troubleshooting: no row for ${code}`);
for (const code of stale) console.error(`README.md troubleshooting: ${code} is no longer in the source`);
if (missing.length + stale.length > 0) process.exit(1);
console.log(`troubleshooting table: ${inTable.size} codes, all in the source and all in the table`);
