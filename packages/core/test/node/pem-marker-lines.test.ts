import { createPrivateKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pemSecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture, tempDirectory } from '../secrets-setup.js';

// OpenSSL reads a PEM file line by line: a line that starts with `-----BEGIN ` and ends with `-----` once
// trailing white space (and, where `char` is signed, bytes from 0x80) is stripped opens a block; any other
// line outside a block is passed over. These tests hold the PEM store to what OpenSSL (through Node's
// createPrivateKey) reads from the same file: the same key, or a refusal.

const OPTION = 'pemSecretStore.secrets';
const RSA_KEY = readFileSync(fixture('rsa-signing.key.pem'), 'utf8');
// The same label as the RSA key's (`PRIVATE KEY`), as two keys pasted into one file would be.
const EC_KEY = createPrivateKey(readFileSync(fixture('ec-p256.sec1.pem')))
  .export({ type: 'pkcs8', format: 'pem' })
  .toString();
const BEGIN_LINE = '-----BEGIN PRIVATE KEY-----\n';
const END_LINE = '-----END PRIVATE KEY-----\n';

/** `pem` with its first `-----BEGIN PRIVATE KEY-----` line as `before` + marker + `after`. */
const withBeginLine = (pem: string, before: string, after: string) =>
  pem.replace(BEGIN_LINE, `${before}-----BEGIN PRIVATE KEY-----${after}\n`);
/** `pem` with its first `-----END PRIVATE KEY-----` line as `before` + marker + `after`. */
const withEndLine = (pem: string, before: string, after: string) =>
  pem.replace(END_LINE, `${before}-----END PRIVATE KEY-----${after}\n`);

/** What the PEM store reads from a file holding `content`: its key as a JWK, or its refusal's message. */
function storeReads(content: string): { jwk: Record<string, unknown> } | { refused: string } {
  const directory = tempDirectory({ 'key.pem': content });
  try {
    const [key] = pemSecretStore({ secrets: { id: `${directory}/key.pem` } }).keys!('id')!;
    return { jwk: key!.jwk as Record<string, unknown> };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

/** The key OpenSSL reads first from `content`, or `undefined`. */
function opensslReads(content: string): KeyObject | undefined {
  try {
    return createPrivateKey(content);
  } catch {
    return undefined;
  }
}

function refusalOf(content: string): string {
  const directory = tempDirectory({ 'key.pem': content });
  return expectConfigError(() => pemSecretStore({ secrets: { id: `${directory}/key.pem` } }), OPTION).message;
}

describe('PEM marker lines are read as OpenSSL reads them', () => {
  it('reads a BEGIN line ending in spaces, tabs or a carriage return: a second key after it is refused', () => {
    for (const after of [' ', '\t', ' \t ', '\r', '\t\r', '\r\r']) {
      const twoKeys = withBeginLine(RSA_KEY, '', after) + EC_KEY;
      // OpenSSL reads the first key: passing over its BEGIN line would read the second one instead.
      expect(opensslReads(twoKeys)?.asymmetricKeyType, JSON.stringify(after)).toBe('rsa');
      expect(refusalOf(twoKeys)).toContain('holds several private keys');
      // Alone, the key is read.
      const alone = storeReads(withBeginLine(RSA_KEY, '', after));
      expect(alone).toMatchObject({ jwk: { kty: 'RSA' } });
    }
  });

  it('reads END lines ending in white space, CRLF files, a byte order mark, and no line break at the end', () => {
    for (const content of [
      withEndLine(RSA_KEY, '', ' \t'),
      RSA_KEY.replace(/\n/g, '\r\n'),
      `\ufeff${RSA_KEY}`,
      RSA_KEY.trimEnd(),
      `Bag Attributes\n    localKeyID: 01\nKey Attributes: <No Attributes>\n${RSA_KEY}`,
    ])
      expect(storeReads(content), JSON.stringify(content.slice(0, 40))).toMatchObject({
        jwk: { kty: 'RSA' },
      });
  });

  it('refuses a marker line it cannot read, rather than passing over it', () => {
    // Characters after the marker that OpenSSL strips (it reads the block) or keeps (it passes the line
    // over): either way the line is not one this reader is sure to read as OpenSSL does.
    for (const after of ['\v', '\f', '\0', '\u00e9', '\u00a0', 'x', ' x', '-']) {
      const twoKeys = withBeginLine(RSA_KEY, '', after) + EC_KEY;
      expect(refusalOf(twoKeys), JSON.stringify(after)).toContain(
        'holds a PEM marker that could not be read (line 1)',
      );
    }
    // A marker that does not start its line: OpenSSL passes it over.
    for (const before of [' ', '\t', 'x', '-'])
      expect(refusalOf(withBeginLine(RSA_KEY, before, '') + EC_KEY)).toContain(
        'holds a PEM marker that could not be read (line 1)',
      );
    const endLine = RSA_KEY.split('\n').length - 1;
    for (const [before, after] of [
      [' ', ''],
      ['', 'x'],
      ['', '\v'],
    ])
      expect(refusalOf(withEndLine(RSA_KEY, before!, after!) + EC_KEY)).toContain(
        `holds a PEM marker that could not be read (line ${endLine})`,
      );
    // Labels OpenSSL cannot mean the same way: none, or one cut short.
    expect(refusalOf(`-----BEGIN -----\n${RSA_KEY}`)).toContain('could not be read (line 1)');
  });

  it('refuses a key label in lower case, which OpenSSL reads for some key types', () => {
    const pkcs1 = createPrivateKey(RSA_KEY).export({ type: 'pkcs1', format: 'pem' }).toString();
    const lowerCase = pkcs1.replace(/RSA PRIVATE KEY/g, 'rsa PRIVATE KEY');
    expect(opensslReads(lowerCase)?.asymmetricKeyType).toBe('rsa');
    expect(refusalOf(lowerCase)).toContain('holds a block labelled "rsa PRIVATE KEY"');
    expect(refusalOf(lowerCase + EC_KEY)).toContain('holds a block labelled "rsa PRIVATE KEY"');
  });

  it('refuses markers that do not pair up: nested, unclosed, closing nothing, of another label', () => {
    const [begin, ...rest] = RSA_KEY.split('\n');
    const body = rest.join('\n');
    for (const [content, line] of [
      // A BEGIN inside a block.
      [`${begin}\n${EC_KEY}${body}`, 2],
      // A BEGIN without its END, before a key or after it.
      [`${begin}\nMIIB\n${EC_KEY}`, 3],
      [`${RSA_KEY}-----BEGIN PRIVATE KEY-----\nMIIB\n`, RSA_KEY.split('\n').length],
      // An END that closes nothing.
      [`${END_LINE}${RSA_KEY}`, 1],
      // An END of another label: OpenSSL refuses the block.
      [
        RSA_KEY.replace('-----END PRIVATE KEY-----', '-----END EC PRIVATE KEY-----'),
        RSA_KEY.split('\n').length - 1,
      ],
      // Two files concatenated without a line break between them: the END line goes on.
      [RSA_KEY.trimEnd() + EC_KEY, RSA_KEY.split('\n').length - 1],
    ] as const)
      expect(refusalOf(content), JSON.stringify(content.slice(0, 60))).toContain(
        `holds a PEM marker that could not be read (line ${line})`,
      );
  });

  it('gives the key OpenSSL reads, or refuses, whatever is added around the markers of a two-key file', () => {
    const extras = ['', ' ', '\t', '\r', '\v', '\f', '\0', 'x', '-', '\u00e9', '\ufeff', '\r\n'];
    const mutants: string[] = [];
    for (const first of [RSA_KEY, EC_KEY])
      for (const extra of extras) {
        const second = first === RSA_KEY ? EC_KEY : RSA_KEY;
        mutants.push(withBeginLine(first, extra, '') + second);
        mutants.push(withBeginLine(first, '', extra) + second);
        mutants.push(withEndLine(first, extra, '') + second);
        mutants.push(withEndLine(first, '', extra) + second);
        mutants.push(first + withBeginLine(second, '', extra));
        mutants.push(first + withBeginLine(second, extra, ''));
      }
    let read = 0;
    for (const content of mutants) {
      const ours = storeReads(content);
      if ('refused' in ours) continue;
      read++;
      const theirs = opensslReads(content);
      expect(theirs, JSON.stringify(content)).toBeDefined();
      const expected = theirs!.export({ format: 'jwk' });
      expect(ours.jwk.kty, JSON.stringify(content)).toBe(expected.kty);
      expect(ours.jwk.d, JSON.stringify(content)).toBe(expected.d);
    }
    // The file holds two private keys: no mutant gives one key.
    expect(read).toBe(0);
    // And one key with the same mutations around it gives OpenSSL's key, when it is read at all.
    let alone = 0;
    for (const extra of extras)
      for (const content of [
        withBeginLine(RSA_KEY, '', extra),
        withBeginLine(RSA_KEY, extra, ''),
        withEndLine(RSA_KEY, '', extra),
        withEndLine(RSA_KEY, extra, ''),
      ]) {
        const ours = storeReads(content);
        if ('refused' in ours) continue;
        alone++;
        expect(opensslReads(content)?.export({ format: 'jwk' }).d, JSON.stringify(content)).toBe(ours.jwk.d);
      }
    expect(alone).toBeGreaterThan(extras.length);
  });
});
