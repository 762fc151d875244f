import { describe, expect, it } from 'vitest';
import { pemSecretStore } from '../../src/node/index.js';
import { pemBlocks } from '../../src/node/pem-key.js';
import { expectConfigError } from '../helpers.js';
import { tempDirectory } from '../secrets-setup.js';

/**
 * What a PEM text is, read line by line as OpenSSL reads it (a line holding a marker must be that marker
 * alone, white space after it aside), then paired: written independently of the scan under test, which
 * finds each marker once in the whole text.
 */
function reference(text: string): { label: string; text: string }[] | 'refused' {
  const blocks: { label: string; text: string }[] = [];
  let open: { label: string; at: number } | undefined;
  let lineStart = 0;
  for (const line of text.split('\n')) {
    const at = lineStart;
    lineStart += line.length + 1;
    if (!line.includes('-----BEGIN ') && !line.includes('-----END ')) continue;
    const bom = at === 0 && line.startsWith('\ufeff') ? 1 : 0;
    const marker = /^-----(BEGIN|END) ((?:(?!-----)[\x20-\x7e])+)-----[ \t\r]*$/.exec(line.slice(bom));
    if (marker === null) return 'refused';
    const [whole, keyword, label] = marker as unknown as [string, string, string];
    if (keyword === 'BEGIN') {
      if (open !== undefined) return 'refused';
      open = { label, at: at + bom };
    } else {
      if (open === undefined || open.label !== label) return 'refused';
      const end = at + whole.replace(/[ \t\r]*$/, '').length;
      blocks.push({ label, text: text.slice(open.at, end) });
      open = undefined;
    }
  }
  return open === undefined ? blocks : 'refused';
}

const scanned = (text: string) => {
  const scan = pemBlocks(text);
  return scan.ok ? scan.blocks : 'refused';
};

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(start: number): () => number {
  let state = start;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// Well-formed PEM text is made of these; the near misses are put into it at random.
const LABELS = ['A', 'B', 'A B', 'a-b.1', 'PUBLIC KEY'];
const LINE_ENDS = ['\n', '\n', '\r\n', ' \n', '\t\r\n'];
const NEAR_MISSES = [
  '-----BEGIN ',
  '-----END ',
  '-----BEGIN A-----\n',
  '-----END A-----\n',
  '-----',
  '-',
  'A',
  ' ',
  '\t',
  '\n',
  '\r',
  '\v',
  'x',
  '\ufeff',
  '\u00e9',
];

/** Text of a few well-formed blocks, with a near miss put in or a character taken out now and then. */
function generatedText(next: () => number): string {
  const pick = <T>(items: readonly T[]) => items[Math.floor(next() * items.length)]!;
  let text = next() < 0.2 ? 'Bag Attributes\n' : '';
  const blocks = Math.floor(next() * 4);
  for (let block = 0; block < blocks; block++) {
    const label = pick(LABELS);
    text += `-----BEGIN ${label}-----${pick(LINE_ENDS)}`;
    for (let line = Math.floor(next() * 3); line > 0; line--) text += `MIIB${pick(LINE_ENDS)}`;
    text += `-----END ${label}-----${block < blocks - 1 || next() < 0.5 ? pick(LINE_ENDS) : ''}`;
  }
  for (let change = next() < 0.5 ? 0 : Math.ceil(next() * 2); change > 0; change--) {
    const at = Math.floor(next() * (text.length + 1));
    text =
      next() < 0.7
        ? text.slice(0, at) + pick(NEAR_MISSES) + text.slice(at)
        : text.slice(0, at) + text.slice(at + 1);
  }
  return text;
}

describe('pemBlocks', () => {
  it('reads what a line-by-line reader reads, and refuses what it refuses, on generated PEM-like text', () => {
    const next = random(7);
    let blocks = 0;
    let refused = 0;
    for (let round = 0; round < 20_000; round++) {
      const text = generatedText(next);
      const expected = reference(text);
      expect(scanned(text), JSON.stringify(text)).toEqual(expected);
      if (expected === 'refused') refused++;
      else blocks += expected.length;
    }
    // The generated text is not all noise, nor all well formed: blocks are found, many, and texts refused.
    expect(blocks).toBeGreaterThan(10_000);
    expect(refused).toBeGreaterThan(2_000);
  });

  it('reads real-looking files, and refuses markers that are not lines of their own or do not pair up', () => {
    for (const text of [
      '-----BEGIN A-----\nx\n-----END A-----\n-----BEGIN B-----\ny\n-----END B-----\n',
      '-----BEGIN A-----\n-----BEGIN B-----\n-----END B-----\n-----END A-----',
      '-----BEGIN A-----\n-----BEGIN A-----\nx-----END A-----',
      '-----BEGIN A-----\nx-----END B-----\n-----BEGIN B-----\ny-----END B-----',
      '-----BEGIN A-----x\n-----END A-----',
      '-----BEGIN A------\n-----END A-----',
      '------BEGIN A-----\r\nx\r\n------END A------',
      '-----BEGIN A-----\r\r\n-----END A-----',
      'junk-----BEGIN A B-----\n-----END A B-----junk',
      '-----BEGIN a-----\n-----END a-----',
      '-----BEGIN -----\n-----END -----',
      '\ufeff-----BEGIN A-----\nx\n-----END A-----\n',
      'x\n\ufeff-----BEGIN A-----\nx\n-----END A-----\n',
      'Bag Attributes\n-----BEGIN A-----\nx\n-----END A-----\ntrailing text\n',
      '-----END A-----\n-----BEGIN A-----\nx\n-----END A-----\n',
      '-----BEGIN A-----\nx\n-----END A-----\n-----BEGIN A-----\n',
      '-----BEGIN A-----\nx\n-----END A----------BEGIN B-----\ny\n-----END B-----\n',
    ])
      expect(scanned(text), JSON.stringify(text)).toEqual(reference(text));
    expect(scanned('\ufeff-----BEGIN A-----\nx\n-----END A-----\n')).toEqual([
      { label: 'A', text: '-----BEGIN A-----\nx\n-----END A-----' },
    ]);
    expect(scanned('-----BEGIN A-----\nx\n-----END A-----x')).toBe('refused');
  });

  it('says which line holds the marker it could not read, without repeating the line', () => {
    const scan = pemBlocks('-----BEGIN A-----\nx\n-----END A-----\n\n-----BEGIN B----- secret\n');
    expect(scan).toEqual({
      ok: false,
      problem:
        'holds a PEM marker that could not be read (line 5): each -----BEGIN …----- and -----END …----- marker must be alone on its line',
    });
    expect(pemBlocks('-----BEGIN A-----\n-----BEGIN A-----\n')).toMatchObject({
      problem: expect.stringContaining('(line 2): a BEGIN marker inside the block opened on line 1'),
    });
    expect(pemBlocks('-----BEGIN A-----\nx\n-----END B-----\n')).toMatchObject({
      problem: expect.stringContaining(
        '(line 3): an END marker of another label than the BEGIN marker on line 1',
      ),
    });
    expect(pemBlocks('x\n-----END A-----\n')).toMatchObject({
      problem: expect.stringContaining('(line 2): an END marker that closes no block'),
    });
    expect(pemBlocks('x\n\n-----BEGIN A-----\nx\n')).toMatchObject({
      problem: expect.stringContaining('(line 3): a BEGIN marker without its END marker'),
    });
  });

  // Sizes at which a regular expression took over 20 s (1 MiB of BEGIN lines took 3.9 s, and the time
  // grew with the square of the size); the scan reads each character a bounded number of times. No time
  // is measured: the test's own time-out is the bound.
  const SIZE = 4 * 1024 * 1024;

  it('scans 4 MiB of markers at once, read or refused', () => {
    const pairCount = Math.floor(SIZE / 34);
    const pairs = '-----BEGIN A-----\n-----END A-----\n'.repeat(pairCount);
    const read = pemBlocks(pairs);
    expect(read.ok && read.blocks.length).toBe(pairCount);
    let manyLabels = '';
    for (let index = 0; manyLabels.length < SIZE; index++)
      manyLabels += `-----BEGIN A${index}-----\nMIIB\n-----END A${index}-----\n`;
    expect(pemBlocks(manyLabels).ok).toBe(true);
    // Refused at the second line, the end of the text, or its one line.
    expect(pemBlocks('-----BEGIN A-----\n'.repeat(SIZE / 18)).ok).toBe(false);
    expect(pemBlocks(`${pairs}-----BEGIN A-----\n`).ok).toBe(false);
    expect(pemBlocks(`${pairs}-----BEGIN A-----`).ok).toBe(false);
    expect(pemBlocks(`-----BEGIN ${'A'.repeat(SIZE)}`).ok).toBe(false);
    expect(pemBlocks(`-----BEGIN A-----\n${'-----END '.repeat(SIZE / 9)}`).ok).toBe(false);
    expect(pemBlocks('-----END A-----\n'.repeat(SIZE / 16)).ok).toBe(false);
  });

  it('lets a PEM store refuse such a file at once, with maxFileBytes raised to let it in', () => {
    const directory = tempDirectory({ 'begin.pem': '-----BEGIN A-----\n'.repeat(SIZE / 18) });
    const error = expectConfigError(
      () => pemSecretStore({ secrets: { id: `${directory}/begin.pem` }, maxFileBytes: 2 * SIZE }),
      'pemSecretStore.secrets',
    );
    expect(error.message).toContain('holds a PEM marker that could not be read (line 2)');
  });
});
