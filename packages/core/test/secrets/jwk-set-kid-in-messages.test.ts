import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { jwkSetStore } from '../../src/index.js';
import { expectConfigError } from '../helpers.js';

// A 1024-bit RSA key: refused, and named in the refusal by its kid.
const SHORT_RSA = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ format: 'jwk' });

describe('a JWK set key named in a message', () => {
  it('is named by its kid quoted and cut, whatever its length or the characters in it', () => {
    const longKid = `start-${'k'.repeat(100_000)}`;
    const long = expectConfigError(
      () => jwkSetStore({ jwks: { keys: [{ ...SHORT_RSA, kid: longKid }] } as never }),
      'jwkSetStore.jwks',
    ).message;
    expect(long).toContain(`key "start-${'k'.repeat(58)}…": its modulus is 1024 bits`);
    expect(long.length).toBeLessThan(400);

    const multiLine = expectConfigError(
      () =>
        jwkSetStore({ jwks: { keys: [{ ...SHORT_RSA, kid: 'sig-1\n[error] forged log line' }] } as never }),
      'jwkSetStore.jwks',
    ).message;
    expect(multiLine).toContain('key "sig-1\\n[error] forged log line"');
    expect(multiLine).not.toContain('\n');
  });

  it('is named as before when its kid is short', () => {
    const { message } = expectConfigError(
      () => jwkSetStore({ jwks: { keys: [{ ...SHORT_RSA, kid: 'sig-1' }] } as never }),
      'jwkSetStore.jwks',
    );
    expect(message).toContain('key "sig-1": its modulus is 1024 bits');
  });
});
