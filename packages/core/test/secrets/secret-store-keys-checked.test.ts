// A secret store's verification keys get the check a static JWK set's keys get. Before, an EC key off
// its curve or with a short coordinate, `ext: "no"` or a numeric `kid` built, and every token was 401
// unknown_key: the README promises an RsConfigError when the resolver is built, saying why each key was
// refused.
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { jwkSetStore, jwtResolver, secretsProvider } from '../../src/index.js';
import { AUDIENCE, expectConfigError, expectSuccess, ISSUER, resolveAt } from '../helpers.js';
import { sign } from '../secrets-setup.js';

const OPTION = 'jwtResolver.verificationSecretId';
const DECRYPT_OPTION = 'jwtResolver.decryptionSecretId';

let ec: CryptoKeyPair;
let ecPublic: JWK;
let ecPrivate: JWK;
let rsa: CryptoKeyPair;
let rsaPrivate: JWK;
let encryptionPrivate: JWK;

beforeAll(async () => {
  ec = await generateKeyPair('ES256', { extractable: true });
  ecPublic = { ...(await exportJWK(ec.publicKey)), kid: 'ec-1' };
  ecPrivate = { ...(await exportJWK(ec.privateKey)), kid: 'ec-1' };
  rsa = await generateKeyPair('RS256', { extractable: true });
  rsaPrivate = { ...(await exportJWK(rsa.privateKey)), kid: 'rsa-1' };
  const encryption = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  encryptionPrivate = { ...(await exportJWK(encryption.privateKey)), kid: 'enc-1' };
});

function resolverOver(keys: JWK[]) {
  const store = jwkSetStore({ jwks: { keys } });
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    secrets: secretsProvider({ stores: [store] }),
    verificationSecretId: 'signing',
  });
}

describe('secret store verification keys are checked as static JWK sets are', () => {
  it.each([
    ['an EC point off its curve', () => ({ ...ecPublic, y: ecPublic.x }), 'the point is not on P-256'],
    ['an EC coordinate too short', () => ({ ...ecPublic, x: ecPublic.x!.slice(0, 40) }), '32-byte base64url'],
    ['a private EC key off its curve', () => ({ ...ecPrivate, y: ecPrivate.x }), 'the point is not on P-256'],
    ['an "ext" that is not a boolean', () => ({ ...ecPublic, ext: 'no' }), '"ext" is not a boolean'],
    ['a "kid" that is not a string', () => ({ ...ecPublic, kid: 5 }), '"kid" is not a string'],
    [
      '"key_ops" that are not unique',
      () => ({ ...ecPublic, key_ops: ['verify', 'verify'] }),
      'unique strings',
    ],
    [
      '"key_ops" that also encrypt',
      () => ({ ...ecPrivate, key_ops: ['sign', 'decrypt'] }),
      'mix signature and encryption',
    ],
  ] as const)('refuses, when built, a secret whose one key has %s, saying why', (_, spoil, reason) => {
    const error = expectConfigError(() => resolverOver([spoil() as unknown as JWK]), OPTION);
    expect(error.problem).toContain('can verify signatures');
    expect(error.problem).toContain(reason);
    expect(error.message).not.toContain(ecPrivate.d);
    expect(error.message).not.toContain(ecPublic.x);
  });

  it('says why for each key refused', () => {
    const error = expectConfigError(
      () =>
        resolverOver([
          { ...ecPublic, y: ecPublic.x },
          { ...rsaPrivate, use: 'enc' },
        ]),
      OPTION,
    );
    expect(error.problem).toContain('key "ec-1": the point is not on P-256');
    expect(error.problem).toContain('key "rsa-1": it is marked "use": "enc"');
  });

  it("still verifies with a private key's public half, its key_ops saying sign", async () => {
    const resolver = resolverOver([
      { ...rsaPrivate, key_ops: ['sign'], use: 'sig', alg: 'RS256', ext: true },
    ]);
    const token = await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' }, { aud: AUDIENCE });
    expectSuccess(await resolveAt(resolver, token));
  });

  it('a verification key never holds more than verifies: no private member reaches the key source', async () => {
    const resolver = resolverOver([{ ...ecPrivate, x5c: ['MIIB'] } as JWK]);
    const token = await sign(ec.privateKey, { alg: 'ES256', kid: 'ec-1' }, { aud: AUDIENCE });
    expectSuccess(await resolveAt(resolver, token));
  });
});

describe('secret store decryption keys get the decryption check', () => {
  function decryptionOver(keys: JWK[]) {
    const store = jwkSetStore({ jwks: { keys } });
    return jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      secrets: secretsProvider({ stores: [store] }),
      decryptionSecretId: 'encryption',
    });
  }

  it('refuses a key whose key_ops also sign, or whose ext is not a boolean, saying why', () => {
    for (const [spoiled, reason] of [
      [{ ...encryptionPrivate, key_ops: ['decrypt', 'sign'] }, 'mix signature and encryption'],
      [{ ...encryptionPrivate, ext: 'no' }, '"ext" is not a boolean'],
      [{ ...encryptionPrivate, alg: 'RS256' }, '"alg" "RS256" is a signature algorithm'],
    ] as const) {
      const error = expectConfigError(() => decryptionOver([spoiled as JWK, ecPublic]), DECRYPT_OPTION);
      expect(error.problem).toContain(reason);
      expect(error.message).not.toContain(encryptionPrivate.d);
    }
  });
});
