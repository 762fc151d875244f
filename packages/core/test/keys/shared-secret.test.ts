import { describe, expect, it } from 'vitest';
import { jwtResolver, sharedSecret } from '../../src/index.js';
import { expectConfigError, expectFailure, hmacKey, ISSUER, mint, resolveAt } from '../helpers.js';

const SECRET = Uint8Array.from({ length: 32 }, (_, i) => (i * 37 + 11) % 256);

async function verifies(keys: ReturnType<typeof sharedSecret>, signedWith: Uint8Array): Promise<boolean> {
  const resolver = jwtResolver({ issuer: ISSUER, acceptAnyAudience: true, keys, algorithms: ['HS256'] });
  const outcome = await resolveAt(resolver, await mint(await hmacKey(signedWith)));
  if (outcome.ok) return true;
  expectFailure(outcome, 'signature_invalid');
  return false;
}

describe('sharedSecret: what it takes', () => {
  it('takes a string (UTF-8), a Uint8Array and a Buffer, and verifies with exactly those bytes', async () => {
    const text = 'abcdefghijklmnopqrstuvwxyz012345';
    expect(await verifies(sharedSecret(text), new TextEncoder().encode(text))).toBe(true);
    expect(await verifies(sharedSecret(SECRET), SECRET)).toBe(true);
    expect(await verifies(sharedSecret(Buffer.from(SECRET)), SECRET)).toBe(true);
    // A view into a larger buffer is its own bytes, not the whole buffer.
    const larger = new Uint8Array(64).fill(1);
    larger.set(SECRET, 16);
    expect(await verifies(sharedSecret(larger.subarray(16, 48)), SECRET)).toBe(true);
    expect(await verifies(sharedSecret(SECRET), new Uint8Array(32))).toBe(false);
  });

  it('refuses undefined and null (an unset environment variable) with RsConfigError, not TypeError', () => {
    const unset = expectConfigError(() => sharedSecret(undefined as never), 'sharedSecret');
    expect(unset.message).toContain('must be a string or a Uint8Array, not undefined');
    expect(unset.message).toContain('environment variable');
    expect(expectConfigError(() => sharedSecret(null as never), 'sharedSecret').message).toContain(
      'not null',
    );
  });

  it('refuses an ArrayBuffer, a DataView and other byteLength holders at the call, not at each request', () => {
    const buffer = SECRET.slice().buffer;
    for (const [wrong, described] of [
      [buffer, 'an ArrayBuffer'],
      [new DataView(buffer), 'a view other than a Uint8Array'],
      [new Uint16Array(buffer), 'a view other than a Uint8Array'],
      [{ byteLength: 64 }, 'an object'],
      [[...SECRET], 'an object'],
      [42, 'a number'],
    ] as const) {
      const error = expectConfigError(() => sharedSecret(wrong as never), 'sharedSecret');
      expect(error.message).toContain(`not ${described}`);
    }
  });

  it('never repeats the secret, and keeps the minimum length', () => {
    const short = 'hunter2-is-not-long-enough';
    const error = expectConfigError(() => sharedSecret(short), 'sharedSecret');
    expect(error.message).toContain('at least 32 bytes');
    expect(error.message).not.toContain(short);
    expectConfigError(() => sharedSecret(new Uint8Array(31)), 'sharedSecret');
    expectConfigError(() => sharedSecret(''), 'sharedSecret');
    const wrapped = expectConfigError(() => sharedSecret({ secret: short } as never), 'sharedSecret');
    expect(wrapped.message).not.toContain(short);
  });
});
