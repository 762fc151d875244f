import { createPublicKey } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { envSecretStore, jwtResolver } from '../../src/index.js';
import { directorySecretStore, pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError, expectSuccess, ISSUER, resolveAt } from '../helpers.js';
import {
  decryptWith,
  encrypt,
  fixture,
  fixtureHex,
  fixturePrivateKey,
  fixturePublicKey,
  keyCount,
  providerOf,
  sign,
  tempDirectory,
  verifyWith,
} from '../secrets-setup.js';

const VERIFY = 'jwtResolver.verificationSecretId';
const DECRYPT = 'jwtResolver.decryptionSecretId';

/** A store over one fixture keystore, mapping each alias to a secret ID of the same name. */
function keystore(file: string, aliases: string[], password = 'password') {
  return pkcs12SecretStore({
    file: fixture(file),
    storePassword: password,
    mappings: aliases.map((alias) => ({ secretId: alias, aliases: [alias] })),
  });
}

describe('pkcs12SecretStore: keystores made by openssl', () => {
  for (const file of ['openssl.p12', 'openssl-legacy.p12']) {
    it(`${file}: the private-key entry verifies and decrypts`, async () => {
      const provider = providerOf(keystore(file, ['signature-key']));
      const signed = await sign(fixturePrivateKey('rsa-signing.key.pem'), { alg: 'RS256' });
      expect(await verifyWith(provider.verificationKeys('signature-key', VERIFY), signed)).toContain('demo');
      const sealed = await encrypt(fixturePublicKey('rsa-signing.cert.pem'), {
        alg: 'RSA-OAEP',
        enc: 'A128GCM',
      });
      expect(await decryptWith(provider.decryptionKeys('signature-key', DECRYPT), sealed)).toBe(
        '{"sub":"demo"}',
      );
    });

    it(`${file}: a wrong store password is a start-up error naming the file`, () => {
      const error = expectConfigError(
        () => keystore(file, ['signature-key'], 'wrong'),
        'pkcs12SecretStore.storePassword',
      );
      expect(error.message).toContain(fixture(file));
      expect(error.message).toContain('store password is wrong');
      expect(error.message).not.toContain('line break');
    });

    it(`${file}: a password read with the newline echo left says so, and is never shown`, () => {
      const error = expectConfigError(
        () => keystore(file, ['signature-key'], 'password\n'),
        'pkcs12SecretStore.storePassword',
      );
      expect(error.message).toContain('store password is wrong');
      expect(error.message).toContain('the password ends with a line break');
      expect(error.message).not.toContain('password\n');
    });
  }
});

describe('pkcs12SecretStore: a JDK 17 keytool keystore', () => {
  const store = () =>
    keystore('keytool.p12', ['rsa-key', 'ec-key', 'verification-key', 'encryption-key', 'hmac-key']);

  it('reads -genkeypair RSA and EC entries', async () => {
    const provider = providerOf(store());
    const rs = await sign(fixturePrivateKey('keytool-rsa-key.key.pem'), { alg: 'RS512' });
    expect(await verifyWith(provider.verificationKeys('rsa-key', VERIFY), rs)).toBeDefined();
    const es = await sign(fixturePrivateKey('keytool-ec-key.key.pem'), { alg: 'ES256' });
    expect(await verifyWith(provider.verificationKeys('ec-key', VERIFY), es)).toBeDefined();
    expect(await verifyWith(provider.verificationKeys('rsa-key', VERIFY), es)).toBeUndefined();
    // The private keys decrypt too: ECDH-ES to the EC key, RSA-OAEP-256 to the RSA key.
    const toEc = await encrypt(createPublicKey(fixturePrivateKey('keytool-ec-key.key.pem')), {
      alg: 'ECDH-ES',
      enc: 'A256GCM',
    });
    expect(await decryptWith(provider.decryptionKeys('ec-key', DECRYPT), toEc)).toBe('{"sub":"demo"}');
    const toRsa = await encrypt(createPublicKey(fixturePrivateKey('keytool-rsa-key.key.pem')), {
      alg: 'RSA-OAEP-256',
      enc: 'A128CBC-HS256',
    });
    expect(await decryptWith(provider.decryptionKeys('rsa-key', DECRYPT), toRsa)).toBe('{"sub":"demo"}');
    expect(await keyCount(provider.decryptionKeys('ec-key', DECRYPT), { alg: 'RSA-OAEP-256' })).toBe(0);
  });

  it('reads an -importcert trusted-certificate entry (verification only)', async () => {
    const provider = providerOf(store());
    const token = await sign(fixturePrivateKey('rsa-signing.key.pem'), { alg: 'RS256' });
    expect(await verifyWith(provider.verificationKeys('verification-key', VERIFY), token)).toBeDefined();
    const error = expectConfigError(() => provider.decryptionKeys('verification-key', DECRYPT), DECRYPT);
    expect(error.message).toContain('alias "verification-key"');
  });

  it('reads a -genseckey AES 256 entry: the bytes the JDK stored, for decryption only', async () => {
    const provider = providerOf(store());
    const aes = fixtureHex('keytool-encryption-key.hex');
    expect(store().keys!('encryption-key')![0]!.jwk).toEqual({
      kty: 'oct',
      k: Buffer.from(aes).toString('base64url'),
      use: 'enc',
    });
    const decryption = provider.decryptionKeys('encryption-key', DECRYPT);
    for (const header of [
      { alg: 'dir', enc: 'A128CBC-HS256' },
      { alg: 'dir', enc: 'A256GCM' },
      { alg: 'A256KW', enc: 'A192CBC-HS384' },
    ]) {
      expect(await decryptWith(decryption, await encrypt(aes, header))).toBe('{"sub":"demo"}');
    }
    // An AES key is no HMAC key: asked to verify, it is refused at start-up.
    expect(
      expectConfigError(() => provider.verificationKeys('encryption-key', VERIFY), VERIFY).message,
    ).toContain('"use": "enc"');
  });

  it('reads a -genseckey HmacSHA256 entry, for verification only', async () => {
    const provider = providerOf(store());
    const hmac = fixtureHex('keytool-hmac-key.hex');
    const keys = provider.verificationKeys('hmac-key', VERIFY);
    expect(keys.symmetric).toBe(true);
    expect(await verifyWith(keys, await sign(hmac, { alg: 'HS256' }))).toBeDefined();
    expectConfigError(() => provider.decryptionKeys('hmac-key', DECRYPT), DECRYPT);
  });

  it('refuses a mapping whose aliases have a hole', () => {
    expectConfigError(
      () =>
        pkcs12SecretStore({
          file: fixture('keytool.p12'),
          storePassword: 'password',
          mappings: [{ secretId: 'am.signing', aliases: new Array<string>(1) }],
        }),
      'pkcs12SecretStore.mappings[0].aliases',
    );
  });

  it('maps several aliases to one secret ID, active first, with aliases matched in any case', async () => {
    const store = pkcs12SecretStore({
      file: fixture('keytool.p12'),
      storePassword: 'password',
      mappings: [{ secretId: 'am.signing', aliases: ['EC-KEY', 'Verification-Key'] }],
    });
    expect(store.keys!('am.signing')!.map((key) => key.origin)).toEqual([
      `${fixture('keytool.p12')} alias "EC-KEY"`,
      `${fixture('keytool.p12')} alias "Verification-Key"`,
    ]);
    const keys = providerOf(store).verificationKeys('am.signing', VERIFY);
    expect(
      await verifyWith(keys, await sign(fixturePrivateKey('keytool-ec-key.key.pem'), { alg: 'ES256' })),
    ).toBeDefined();
    expect(
      await verifyWith(keys, await sign(fixturePrivateKey('rsa-signing.key.pem'), { alg: 'RS256' })),
    ).toBeDefined();
    expect(store.keys!('other')).toBeUndefined();
  });

  it('refuses a missing alias, naming the file, the alias and the aliases it has', () => {
    const error = expectConfigError(
      () => keystore('keytool.p12', ['signing-key']),
      'pkcs12SecretStore.mappings',
    );
    expect(error.message).toContain(fixture('keytool.p12'));
    expect(error.message).toContain('"signing-key"');
    expect(error.message).toContain('"rsa-key", "ec-key"');
  });

  it('refuses a wrong store password', () => {
    expectConfigError(
      () => keystore('keytool.p12', ['rsa-key'], 'changeit'),
      'pkcs12SecretStore.storePassword',
    );
  });
});

describe('pkcs12SecretStore: the Identity Gateway routes', () => {
  it('rs-stateless-signed-keystore: the store password from KEYSTORE_SECRET_ID, the certificate verifies', async () => {
    const env = envSecretStore({ env: { KEYSTORE_SECRET_ID: 'cGFzc3dvcmQ=' } });
    const provider = providerOf(
      pkcs12SecretStore({
        file: fixture('keytool.p12'),
        storePassword: { store: env, secretId: 'keystore.secret.id' },
        keyEntryPassword: { store: env, secretId: 'keystore.secret.id' },
        mappings: [{ secretId: 'stateless.access.token.verification.key', aliases: ['verification-key'] }],
      }),
    );
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      keys: provider.verificationKeys('stateless.access.token.verification.key', VERIFY),
    });
    const token = await sign(
      fixturePrivateKey('rsa-signing.key.pem'),
      { alg: 'RS256' },
      { tokenName: 'access_token' },
    );
    expect(expectSuccess(await resolveAt(resolver, token)).subject).toBe('demo');
  });

  it('rs-stateless-encrypted: the imported decryption-key opens AM-style dir + A128CBC-HS256 tokens', async () => {
    const passwords = tempDirectory({ 'keystore.pass': 'password' });
    const files = directorySecretStore({ directory: passwords, format: 'plain' });
    const provider = providerOf(
      pkcs12SecretStore({
        file: fixture('keytool-imported.p12'),
        storePassword: { store: files, secretId: 'keystore.pass' },
        mappings: [{ secretId: 'stateless.access.token.decryption.key', aliases: ['decryption-key'] }],
      }),
    );
    const keys = provider.decryptionKeys('stateless.access.token.decryption.key', DECRYPT);
    const token = await encrypt(fixtureHex('keytool-encryption-key.hex'), {
      alg: 'dir',
      enc: 'A128CBC-HS256',
    });
    expect(await decryptWith(keys, token)).toBe('{"sub":"demo"}');
  });
});
