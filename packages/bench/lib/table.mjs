import { mkdirSync, writeFileSync } from 'node:fs';

// Markdown tables, so that the output can go into the README as it is.

/** A Markdown table from a header row and data rows. */
export function markdownTable(header, rows) {
  const lines = [`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`];
  for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

export const fixed = (value, digits = 1) => (value === undefined ? 'n/a' : value.toFixed(digits));
export const ratio = (value) => (value === undefined ? 'n/a' : `${value.toFixed(2)}×`);

/**
 * Collects what a benchmark prints, prints it as it comes, and saves it as `results/<name>.md` for
 * write-readme.mjs.
 */
export function report(name) {
  const lines = [];
  return {
    log(text = '') {
      console.log(text);
      lines.push(text);
    },
    save() {
      const dir = new URL('../results/', import.meta.url);
      mkdirSync(dir, { recursive: true });
      writeFileSync(new URL(`${name}.md`, dir), `${lines.join('\n')}\n`);
    },
  };
}
