// The hand scans that replace `/^[ \t]+|[ \t]+$/` and `/x+$/`: the same text removed, in time linear in
// the length of the text, and the options built with them (a public URL, an Access Management base URL).
import { describe, expect, it } from 'vitest';
import { publicBaseUrl } from '../../src/adapter/index.js';
import { decodeBase64 } from '../../src/encoding/base64.js';
import { trimSpacesAndTabs, withoutTrailing } from '../../src/encoding/text-ends.js';
import { accessManagementIntrospectionUrl } from '../../src/index.js';
import { growth, LINEAR_GROWTH_BOUND } from '../linear-growth.js';

describe('trimSpacesAndTabs', () => {
  it.each([
    ['', ''],
    [' ', ''],
    ['\t', ''],
    [' \t\t ', ''],
    ['gzip', 'gzip'],
    [' gzip\t', 'gzip'],
    ['\t a b \t', 'a b'],
    ['a\t \tb', 'a\t \tb'],
    // Only spaces and tabs: other white space is part of the value.
    ['\u00a0gzip\u00a0', '\u00a0gzip\u00a0'],
    [' \u2003 ', '\u2003'],
    ['\u3000', '\u3000'],
    ['\ufeff', '\ufeff'],
    ['\r\n gzip \r\n', '\r\n gzip \r\n'],
    ['\v\f', '\v\f'],
  ])('%j is %j', (text, trimmed) => {
    expect(trimSpacesAndTabs(text)).toBe(trimmed);
    expect(trimSpacesAndTabs(text)).toBe(text.replace(/^[ \t]+|[ \t]+$/g, ''));
  });
});

describe('withoutTrailing', () => {
  it.each([
    ['', '/', ''],
    ['/', '/', ''],
    ['///', '/', ''],
    ['a/b//', '/', 'a/b'],
    ['/a', '/', '/a'],
    ['a/ ', '/', 'a/ '],
    ['QQ==', '=', 'QQ'],
    ['Q=Q', '=', 'Q=Q'],
    ['=\n', '=', '=\n'],
  ])('%j without its trailing %j is %j', (text, character, kept) => {
    expect(withoutTrailing(text, character)).toBe(kept);
  });
});

describe('removing ends costs time linear in the length of the text', () => {
  it.each([
    ['spaces between two letters', (n: number) => `x${' '.repeat(n)}y`],
    ['spaces then a letter', (n: number) => `${' '.repeat(n)}y`],
    ['tabs and spaces, then a no-break space', (n: number) => `${'\t '.repeat(n / 2)}\u00a0`],
  ])('trimSpacesAndTabs on %s', async (_, textOf) => {
    expect(await growth(textOf, trimSpacesAndTabs)).toBeLessThan(LINEAR_GROWTH_BOUND);
  });

  it.each([
    ['slashes then a letter', (n: number) => `${'/'.repeat(n)}x`, '/'],
    ['padding then a line break', (n: number) => `${'='.repeat(n)}\n`, '='],
  ])('withoutTrailing on %s', async (_, textOf, character) => {
    expect(await growth(textOf, (text) => withoutTrailing(text, character))).toBeLessThan(
      LINEAR_GROWTH_BOUND,
    );
  });

  it('publicBaseUrl on a path of many slashes before its last segment, checked at start-up', async () => {
    expect(publicBaseUrl('https://api.example.com///v1//', 'publicUrl')).toBe('https://api.example.com///v1');
    const ratio = await growth(
      (n) => `https://api.example.com/${'/'.repeat(n)}v1`,
      (url) => publicBaseUrl(url, 'publicUrl'),
    );
    expect(ratio).toBeLessThan(LINEAR_GROWTH_BOUND);
  }, 60_000);

  it('accessManagementIntrospectionUrl on a base URL of many slashes before its last segment', async () => {
    expect(accessManagementIntrospectionUrl('https://am.example.com//openam//')).toBe(
      'https://am.example.com//openam/oauth2/realms/root/introspect',
    );
    const ratio = await growth(
      (n) => `https://am.example.com/${'/'.repeat(n)}openam`,
      (base) => accessManagementIntrospectionUrl(base),
    );
    expect(ratio).toBeLessThan(LINEAR_GROWTH_BOUND);
  }, 60_000);
});

describe('decodeBase64, which drops padding with withoutTrailing', () => {
  it('still takes padding only where base64 allows it', () => {
    expect(decodeBase64('QQ==')).toEqual(new Uint8Array([0x41]));
    expect(decodeBase64('QQ')).toEqual(new Uint8Array([0x41]));
    expect(decodeBase64('QUI=')).toEqual(new Uint8Array([0x41, 0x42]));
    expect(decodeBase64('QQ=')).toBeUndefined();
    expect(decodeBase64('QQ===')).toBeUndefined();
    expect(decodeBase64('Q=Q=')).toBeUndefined();
  });
});
