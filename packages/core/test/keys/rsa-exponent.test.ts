import { createHash, createPublicKey, generateKeyPairSync, type JsonWebKey, verify } from 'node:crypto';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { staticJwks } from '../../src/index.js';
import { rsaExponentProblem } from '../../src/keys/rsa-key-checks.js';
import { AUDIENCE, expectConfigError, ISSUER, NOW_S } from '../helpers.js';

// An attacker who reads a JWK set holding an RSA key with e = 1 forges any token: the "signature" is the
// PKCS#1 v1.5 encoded message itself, since s^1 mod n = s. These tests forge one for real.
const SHA256_DIGEST_INFO = Buffer.from('3031300d060960864801650304020105000420', 'hex');

let honest: JsonWebKey;
let exponentOne: JWK;

beforeAll(() => {
  honest = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ format: 'jwk' });
  exponentOne = { ...(honest as JWK), e: 'AQ', kid: 'weak', alg: 'RS256' };
});

/** A token "signed" for a key with e = 1, made from the public key alone. */
function forgeToken(kid: string): string {
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = encode({ alg: 'RS256', kid });
  const claims = encode({ iss: ISSUER, aud: AUDIENCE, sub: 'attacker', exp: NOW_S + 600 });
  const input = `${header}.${claims}`;
  const digestInfo = Buffer.concat([SHA256_DIGEST_INFO, createHash('sha256').update(input).digest()]);
  const padding = Buffer.alloc(256 - digestInfo.length - 3, 0xff);
  const encoded = Buffer.concat([Buffer.from([0, 1]), padding, Buffer.from([0]), digestInfo]);
  return `${input}.${encoded.toString('base64url')}`;
}

describe('RSA keys with a public exponent below 3 or even', () => {
  it('would verify a forged token if used: the attack is real', () => {
    const token = forgeToken('weak');
    const [header, claims, signature] = token.split('.') as [string, string, string];
    const key = createPublicKey({ key: exponentOne as JsonWebKey, format: 'jwk' });
    expect(
      verify('sha256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url')),
    ).toBe(true);
  });

  it('names every exponent that is refused, and accepts 3 and 65537', () => {
    for (const e of ['AQ', 'Ag', 'AA', 'AAE', 'AQAA', '']) expect(rsaExponentProblem({ e })).toBeDefined();
    expect(rsaExponentProblem({ e: 'AQ' })).toContain('exponent is 1');
    expect(rsaExponentProblem({ e: 'AQAA' })).toContain('exponent is 65536');
    expect(rsaExponentProblem({ e: 'Aw' })).toBeUndefined();
    expect(rsaExponentProblem({ e: 'AQAB' })).toBeUndefined();
  });

  it('staticJwks refuses the whole set at start-up, naming the key', () => {
    const error = expectConfigError(() => staticJwks({ keys: [honest as JWK, exponentOne] }), 'staticJwks');
    expect(error.message).toContain('key "weak": its public exponent is 1');
    const even = { ...exponentOne, e: 'AQAA', kid: 'even' };
    expect(expectConfigError(() => staticJwks({ keys: [even] }), 'staticJwks').message).toContain(
      'exponent is 65536',
    );
  });

  // Every other way a key enters (remote sets, secret stores, PEM, PKCS#12, key import) refuses it too:
  // rsa-key-entry-paths.test.ts.
});
