import { describe, expect, it } from 'vitest';
import { pemSecretStore } from '../../src/node/index.js';
import { pemBlocks } from '../../src/node/pem-key.js';
import { expectConfigError } from '../helpers.js';
import { tempDirectory } from '../secrets-setup.js';

// The regular expression the PEM reader used, kept as the reference for what is a block: its lazy body
// searches from every BEGIN to the end of the text when the END is missing (quadratic).
const REFERENCE = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g;
const byReference = (text: string) =>
  [...text.matchAll(REFERENCE)].map(([block, label]) => ({ label: label!, text: block }));

/** A small deterministic generator (mulberry32), so a failure can be replayed. */
function random(seed: number): () => number {
  let state = seed;
  return () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// The pieces PEM text is made of, and near misses of them.
const PIECES = [
  '-----BEGIN A-----\n',
  '-----END A-----',
  '-----BEGIN B-----\r\n',
  '-----END B-----',
  '-----BEGIN ',
  '-----END ',
  '-----',
  '----',
  '-',
  'A',
  'B',
  'PUBLIC KEY',
  ' ',
  '\n',
  '\r\n',
  '\r',
  'x',
  'a',
  'MIIB',
  '=',
];

describe('pemBlocks', () => {
  it('finds the blocks the reference regular expression finds, on generated PEM-like text', () => {
    const next = random(7);
    let blocks = 0;
    for (let round = 0; round < 20_000; round++) {
      let text = '';
      const length = Math.floor(next() * 40);
      for (let piece = 0; piece < length; piece++) text += PIECES[Math.floor(next() * PIECES.length)];
      const expected = byReference(text);
      expect(pemBlocks(text), JSON.stringify(text)).toEqual(expected);
      blocks += expected.length;
    }
    // The generated text is not all noise: blocks are found, many.
    expect(blocks).toBeGreaterThan(10_000);
  });

  it('finds the blocks of real-looking files: nested, unterminated, labels that differ', () => {
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
    ])
      expect(pemBlocks(text), JSON.stringify(text)).toEqual(byReference(text));
  });

  // Sizes at which the regular expression took over 20 s (1 MiB of BEGIN lines took 3.9 s, and the time
  // grows with the square of the size); the scan reads each character a bounded number of times. No time
  // is measured: the test's own time-out is the bound.
  const SIZE = 4 * 1024 * 1024;

  it('scans 4 MiB of BEGIN lines without END, of one label or of many', () => {
    const oneLabel = '-----BEGIN A-----\n'.repeat(SIZE / 18);
    expect(pemBlocks(oneLabel)).toEqual([]);
    let manyLabels = '';
    for (let index = 0; manyLabels.length < SIZE; index++) manyLabels += `-----BEGIN A${index}-----\n`;
    expect(pemBlocks(manyLabels)).toEqual([]);
    // ENDs that close nothing, each after a BEGIN of another label.
    const mismatched = '-----BEGIN A-----\n-----END B-----\n'.repeat(SIZE / 34);
    expect(pemBlocks(mismatched)).toEqual([]);
    // An END at the very end closes the first BEGIN: one block, the others inside it.
    const closedAtLast = `${oneLabel}-----END A-----`;
    expect(pemBlocks(closedAtLast)).toEqual([{ label: 'A', text: closedAtLast }]);
  });

  it('lets a PEM store refuse such a file at once, with maxFileBytes raised to let it in', () => {
    const directory = tempDirectory({ 'begin.pem': '-----BEGIN A-----\n'.repeat(SIZE / 18) });
    const error = expectConfigError(
      () => pemSecretStore({ secrets: { id: `${directory}/begin.pem` }, maxFileBytes: 2 * SIZE }),
      'pemSecretStore.secrets',
    );
    expect(error.message).toContain('holds no PEM private key, public key or certificate');
  });
});
