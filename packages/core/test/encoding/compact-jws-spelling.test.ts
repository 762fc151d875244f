// The Node proof of the compact JWS spelling (the native base64url decoder, memchr searches) must answer
// `true` only for strings the regular expression matches, and must answer for every well-formed JWT,
// or extraction would pay for the scan it replaces. Each character class the decoder skips, stops at or
// misreads is tried in every segment, at every position class and length residue.
import fc from 'fast-check';
import { describe, expect, it, vi } from 'vitest';
import { COMPACT_JWS_ALPHABET } from '../../src/encoding/base64url.js';
import { isCompactJwsSpelling } from '../../src/encoding/compact-jws-spelling.js';
import { nodeCompactJwsSpellingProof } from '../../src/encoding/node-compact-jws-spelling.js';

const prove = (value: string): boolean => {
  if (nodeCompactJwsSpellingProof === undefined) throw new Error('not on Node');
  return nodeCompactJwsSpellingProof(value);
};
const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** A segment of `length` base64url characters (deterministic, every character used). */
const segment = (length: number, offset = 0): string =>
  Array.from({ length }, (_, i) => BASE64URL[(i * 7 + offset) % 64]).join('');

// Characters outside the alphabet, by how Node's decoder treats them: skipped (whitespace, controls,
// punctuation, Latin-1), a stop (`=`), the standard alphabet (`+`, `/`), a separator (`.`), and
// characters above U+00FF whose low byte is a base64 character ('Ł' is 0x41 'A', 'ī' 0x2B '+', 'į' 0x2F
// '/', 'ı' 0x31 '1', '\u{172d}' 0x2D '-', '\u015f' 0x5F '_') which a lenient two-byte read would accept.
const FOREIGN = [
  ' ',
  '\t',
  '\n',
  '\r',
  '\f',
  '\v',
  '\0',
  '\x01',
  '\x7f',
  '\x80',
  '\xa0',
  '\xff',
  '!',
  '"',
  '%',
  '*',
  ',',
  ':',
  '@',
  '[',
  '^',
  '`',
  '{',
  '~',
  '+',
  '/',
  '=',
  '.',
  'é',
  'Ł',
  'ī',
  'į',
  'ı',
  '\u172d',
  '\u015f',
  '€',
  '\ud800',
  '😀',
];

describe('the Node proof of the compact JWS spelling', () => {
  it('is installed on Node and proves well-formed tokens of every length residue', () => {
    expect(nodeCompactJwsSpellingProof).toBeTypeOf('function');
    for (const h of [2, 3, 4, 36])
      for (const p of [0, 2, 3, 4, 1366, 1367, 1368])
        for (const s of [0, 2, 3, 43, 86, 342]) {
          const token = `${segment(h)}.${segment(p, 1)}.${segment(s, 2)}`;
          expect(prove(token), token.slice(0, 40)).toBe(true);
        }
  });

  it('leaves a segment one longer than a multiple of 4 to the regular expression', () => {
    // A lone trailing character: the decoder drops it, so a skipped character could hide beside it.
    const token = `${segment(4)}.${segment(5)}.${segment(8)}`;
    expect(prove(token)).toBe(false);
    expect(isCompactJwsSpelling(token)).toBe(true);
    expect(isCompactJwsSpelling(`${segment(4)}.${segment(4)} .${segment(8)}`)).toBe(false);
  });

  it('never proves a string with a character outside the alphabet, wherever it stands', () => {
    for (const foreign of FOREIGN) {
      for (const lengths of [
        [4, 8, 8],
        [6, 7, 10],
        [7, 10, 11],
        [36, 1368, 342],
      ] as const) {
        const segments = lengths.map((length, i) => segment(length, i));
        for (let target = 0; target < 3; target++) {
          const length = lengths[target]!;
          for (const at of [0, 1, length >> 1, length - 1, length]) {
            // Inserted (the segment one longer) and in place of a character (the same length).
            for (const replace of [false, true]) {
              const changed = segments.slice();
              const original = changed[target]!;
              changed[target] = original.slice(0, at) + foreign + original.slice(replace ? at + 1 : at);
              const value = changed.join('.');
              const expected = COMPACT_JWS_ALPHABET.test(value);
              expect(prove(value) && !expected, JSON.stringify(value.slice(0, 60))).toBe(false);
              expect(isCompactJwsSpelling(value)).toBe(expected);
            }
          }
        }
      }
    }
  });

  it('remembers a proven header only as that exact segment', () => {
    // The proof skips decoding a header it proved for the token before: a header of the same length
    // that differs in any character is decoded again.
    const header = segment(36);
    const rest = `.${segment(1368, 1)}.${segment(342, 2)}`;
    for (const foreign of FOREIGN) {
      for (const at of [0, 1, 17, 35]) {
        expect(prove(header + rest)).toBe(true);
        const changed = header.slice(0, at) + foreign + header.slice(at + 1);
        const value = changed + rest;
        expect(prove(value) && !COMPACT_JWS_ALPHABET.test(value), JSON.stringify(changed)).toBe(false);
        expect(isCompactJwsSpelling(value)).toBe(COMPACT_JWS_ALPHABET.test(value));
      }
    }
    // A longer or shorter header that starts like the proven one.
    expect(prove(header + rest)).toBe(true);
    expect(prove(`${header}!A${rest}`)).toBe(false);
    expect(prove(`${header.slice(0, 35)} ${rest}`)).toBe(false);
  });

  it('refuses what the regular expression refuses: no header, too few or too many dots', () => {
    for (const value of [
      '',
      '.',
      '..',
      `.${segment(4)}.${segment(4)}`,
      segment(8),
      `${segment(4)}.${segment(4)}`,
      `${segment(4)}.${segment(4)}.${segment(4)}.`,
      `${segment(4)}...`,
    ]) {
      expect(prove(value)).toBe(false);
      expect(isCompactJwsSpelling(value)).toBe(COMPACT_JWS_ALPHABET.test(value));
    }
  });

  it('property: agrees with the regular expression on any string near a JWT', () => {
    const character = fc.oneof(
      { weight: 30, arbitrary: fc.constantFrom(...BASE64URL) },
      { weight: 3, arbitrary: fc.constantFrom(...FOREIGN) },
      { weight: 1, arbitrary: fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }) },
    );
    const part = fc.array(character, { maxLength: 64 }).map((chars) => chars.join(''));
    fc.assert(
      fc.property(part, part, part, fc.boolean(), (h, p, s, extraDot) => {
        const value = `${h}.${p}.${s}${extraDot ? '.' : ''}`;
        const expected = COMPACT_JWS_ALPHABET.test(value);
        if (prove(value)) expect(expected).toBe(true);
        expect(isCompactJwsSpelling(value)).toBe(expected);
      }),
      { numRuns: 3000 },
    );
  });

  it("keeps a proven token's signature and payload for its signature check only, and nothing else", async () => {
    // A fresh copy of the module, so that its scratch buffer is allocated under the spy.
    vi.resetModules();
    const alloc = vi.spyOn(Buffer, 'alloc');
    try {
      const fresh = await import('../../src/encoding/node-compact-jws-spelling.js');
      const [header, payload, signature] = [segment(36), segment(1368, 1), segment(342, 2)];
      const token = `${header}.${payload}.${signature}`;
      expect(fresh.nodeCompactJwsSpellingProof!(token)).toBe(true);
      expect(alloc).toHaveBeenCalledTimes(1);
      const scratch = alloc.mock.results[0]!.value as Buffer;
      // The header's bytes are gone; the signature's and the payload's wait at their places.
      const { signatureStart, payloadStart, end } = fresh.decodedLayout(token, 36, 36 + 1 + 1368);
      expect(fresh.decodedSegmentsOf(token)).toBe(scratch);
      expect(scratch.subarray(0, signatureStart).every((byte) => byte === 0)).toBe(true);
      expect(scratch.subarray(signatureStart, payloadStart)).toEqual(Buffer.from(signature, 'base64url'));
      expect(scratch.subarray(payloadStart, end)).toEqual(Buffer.from(payload, 'base64url'));
      expect(scratch.subarray(end).every((byte) => byte === 0)).toBe(true);
      // Another token, even one differing only in its signature, finds nothing; an equal copy does.
      expect(fresh.decodedSegmentsOf(`${header}.${payload}.${segment(342, 3)}`)).toBeUndefined();
      expect(fresh.decodedSegmentsOf(Buffer.from(token, 'latin1').toString('latin1'))).toBe(scratch);
      // Released by the check that takes them: nothing stays.
      fresh.releaseDecodedSegments();
      expect(fresh.decodedSegmentsOf(token)).toBeUndefined();
      expect(scratch.every((byte) => byte === 0)).toBe(true);
      // Or by the next proof, even one that fails; a failed proof leaves nothing of its own.
      expect(fresh.nodeCompactJwsSpellingProof!(token)).toBe(true);
      expect(fresh.nodeCompactJwsSpellingProof!(`${header}.${segment(1367)}!.${signature}`)).toBe(false);
      expect(fresh.decodedSegmentsOf(token)).toBeUndefined();
      expect(scratch.every((byte) => byte === 0)).toBe(true);
      // Also a proof that fails before decoding anything: a `+`, no dot at all, a string over 64 K.
      for (const early of [`${header}.${payload}+.${signature}`, 'opaque-token', 'x.'.repeat(40_000)]) {
        expect(fresh.nodeCompactJwsSpellingProof!(token)).toBe(true);
        expect(fresh.nodeCompactJwsSpellingProof!(early)).toBe(false);
        expect(fresh.decodedSegmentsOf(token)).toBeUndefined();
        expect(scratch.every((byte) => byte === 0)).toBe(true);
      }
      // Nothing outlives the synchronous step of the proof, checked or not.
      expect(fresh.nodeCompactJwsSpellingProof!(token)).toBe(true);
      expect(fresh.decodedSegmentsOf(token)).toBe(scratch);
      await Promise.resolve();
      expect(fresh.decodedSegmentsOf(token)).toBeUndefined();
      expect(scratch.every((byte) => byte === 0)).toBe(true);
      // A token whose layout would not fit the buffer is proven all the same, and nothing is kept.
      const long = `${header}.${segment(40_000, 4)}.${signature}`;
      expect(fresh.nodeCompactJwsSpellingProof!(long)).toBe(true);
      expect(fresh.decodedSegmentsOf(long)).toBeUndefined();
      expect(scratch.every((byte) => byte === 0)).toBe(true);
    } finally {
      alloc.mockRestore();
      vi.resetModules();
    }
  });
});
