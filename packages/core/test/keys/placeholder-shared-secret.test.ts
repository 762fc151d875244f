import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sharedSecret, staticJwks } from '../../src/index.js';
import {
  MAX_REPEATED_PATTERN_BYTES,
  repeatedPatternProblem,
} from '../../src/keys/repeated-pattern-secret.js';
import { expectConfigError } from '../helpers.js';

// A shared secret long enough and of no other key's kind can still be a placeholder left in a
// configuration: 32 zero bytes, 'aaaa…', 'changeme' over and over. Anyone who guesses it signs tokens.

const text = (value: string | Uint8Array): string =>
  typeof value === 'string' ? value : Buffer.from(value).toString('latin1');

describe('sharedSecret refuses a placeholder', () => {
  const oneByte: readonly (readonly [string, string | Uint8Array])[] = [
    ['32 zero bytes', new Uint8Array(32)],
    ['32 bytes of 7', new Uint8Array(32).fill(7)],
    ['64 bytes of 0xff (a Buffer)', Buffer.alloc(64, 0xff)],
    ["'a' × 32", 'a'.repeat(32)],
    ["'x' × 100", 'x'.repeat(100)],
  ];
  it.each(oneByte)('made of one byte value: %s', (_label, secret) => {
    const { message } = expectConfigError(() => sharedSecret(secret), 'sharedSecret');
    expect(message).toContain('repeats one byte value throughout');
    expect(message).not.toContain(text(secret).slice(0, 8));
  });

  const patterns: readonly (readonly [string, string, number])[] = [
    ["'ab' × 16", 'ab'.repeat(16), 2],
    ["'é' × 16 (two UTF-8 bytes)", 'é'.repeat(16), 2],
    ["'abc' × 11 (33 bytes, the last repetition whole)", 'abc'.repeat(11), 3],
    ["'abcd' × 8 + 'ab' (the last one cut short)", `${'abcd'.repeat(8)}ab`, 4],
    ["'s3cr3t-' × 6", 's3cr3t-'.repeat(6), 7],
    ["'changeme' × 4", 'changeme'.repeat(4), 8],
  ];
  it.each(patterns)('that repeats a short pattern: %s', (_label, secret, period) => {
    const { message } = expectConfigError(() => sharedSecret(secret), 'sharedSecret');
    expect(message).toContain(`repeats a pattern of ${period} bytes throughout`);
    expect(message).not.toContain(secret.slice(0, period));
  });

  it('keeps the length rule first: a short placeholder is refused for its length', () => {
    expect(expectConfigError(() => sharedSecret('a'.repeat(31)), 'sharedSecret').message).toContain(
      'at least 32 bytes',
    );
  });
});

describe('sharedSecret takes real secrets', () => {
  it('takes random secrets of every length from 32 to 128 bytes, as bytes and as base64 text', () => {
    for (let length = 32; length <= 128; length++) {
      for (let round = 0; round < 20; round++) {
        const bytes = randomBytes(length);
        expect(() => sharedSecret(bytes)).not.toThrow();
        expect(() => sharedSecret(bytes.toString('base64url'))).not.toThrow();
      }
    }
  });

  it('does not count a pattern longer than 8 bytes as a placeholder', () => {
    const longer = randomBytes(MAX_REPEATED_PATTERN_BYTES + 1).toString('hex');
    expect(repeatedPatternProblem(new TextEncoder().encode(longer.repeat(4)))).toBeUndefined();
  });
});

describe('an "oct" JWK holding a placeholder is refused where the key set is read', () => {
  const jwk = (k: Uint8Array) => ({
    kty: 'oct',
    kid: 'hs',
    alg: 'HS256',
    k: Buffer.from(k).toString('base64url'),
  });
  it('staticJwks refuses 32 zero bytes and a repeated 4-byte pattern, naming the key, never the secret', () => {
    for (const k of [new Uint8Array(32), new TextEncoder().encode('abcd'.repeat(8))]) {
      const { message } = expectConfigError(() => staticJwks({ keys: [jwk(k)] }), 'staticJwks');
      expect(message).toMatch(/key .*hs.*"k" repeats/);
      expect(message).not.toContain(jwk(k).k.slice(0, 8));
    }
  });
  it('staticJwks takes a random secret', () => {
    expect(() => staticJwks({ keys: [jwk(randomBytes(32))] })).not.toThrow();
  });
});
