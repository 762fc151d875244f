// Writes the latest benchmark output (results/*.md, from per-token.bench.mjs and http.bench.mjs) into
// the performance section of packages/core/README.md, between its bench markers. The figures in the
// README are never typed by hand.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';

const README = new URL('../core/README.md', import.meta.url);
const START = '<!-- bench:start -->';
const END = '<!-- bench:end -->';

const parts = ['per-token', 'http']
  .map((name) => new URL(`results/${name}.md`, import.meta.url))
  .filter((file) => existsSync(file))
  .map((file) => readFileSync(file, 'utf8').trim());
if (parts.length === 0) throw new Error('no results: run `pnpm --filter @rs/bench bench` first');

const machine = `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'unknown CPU'}`;
const section = [
  START,
  `_Written by \`packages/bench/write-readme.mjs\` from the output of \`pnpm bench\` on ${new Date().toISOString().slice(0, 10)}, ${machine}._`,
  '',
  ...parts.flatMap((part) => [part, '']),
  END,
].join('\n');

const text = readFileSync(README, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);
if (start === -1 || end < start)
  throw new Error(`packages/core/README.md needs the markers ${START} … ${END}`);
writeFileSync(README, `${text.slice(0, start)}${section}${text.slice(end + END.length)}`);
console.log('packages/core/README.md: performance section updated');
