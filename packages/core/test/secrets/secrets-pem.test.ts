import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { envSecretStore, jwtResolver } from '../../src/index.js';
import { pemSecretStore } from '../../src/node/index.js';
import { expectConfigError, expectSuccess, ISSUER, resolveAt } from '../helpers.js';
import {
  decryptWith,
  encrypt,
  fixture,
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
const rsaSigner = () => fixturePrivateKey('rsa-signing.key.pem');

describe('pemSecretStore: each kind of PEM file', () => {
  it('verifies with an SPKI public key and with an X.509 certificate', async () => {
    const provider = providerOf(
      pemSecretStore({
        secrets: { spki: fixture('rsa-signing.pub.pem'), cert: fixture('rsa-signing.cert.pem') },
      }),
    );
    const token = await sign(rsaSigner(), { alg: 'RS256', kid: 'am-generated-kid' });
    expect(await verifyWith(provider.verificationKeys('spki', VERIFY), token)).toContain('"sub":"demo"');
    expect(await verifyWith(provider.verificationKeys('cert', VERIFY), token)).toBeDefined();
    // Public keys and certificates cannot decrypt: a start-up error, not a silent failure later.
    expectConfigError(() => provider.decryptionKeys('cert', DECRYPT), DECRYPT);
  });

  it('verifies and decrypts with PKCS#8, PKCS#1 and password-protected PKCS#8 private keys', async () => {
    const provider = providerOf(
      pemSecretStore({
        secrets: {
          pkcs8: fixture('rsa-signing.key.pem'),
          pkcs1: fixture('rsa-signing.pkcs1.pem'),
          encrypted: { file: fixture('rsa-signing.encrypted.pem'), password: 'pem-password' },
        },
      }),
    );
    const signed = await sign(rsaSigner(), { alg: 'PS384' });
    const encrypted = await encrypt(fixturePublicKey('rsa-signing.cert.pem'), {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
    });
    for (const id of ['pkcs8', 'pkcs1', 'encrypted']) {
      expect(await verifyWith(provider.verificationKeys(id, VERIFY), signed)).toBeDefined();
      expect(await decryptWith(provider.decryptionKeys(id, DECRYPT), encrypted)).toBe('{"sub":"demo"}');
    }
  });

  it('reads EC (SEC1 and PKCS#8), Ed25519 and X25519 keys', async () => {
    const provider = providerOf(
      pemSecretStore({
        secrets: {
          sec1: fixture('ec-p256.sec1.pem'),
          ec: fixture('ec-p256.pub.pem'),
          ed: fixture('ed25519.pub.pem'),
          x: fixture('x25519.key.pem'),
        },
      }),
    );
    const es256 = await sign(fixturePrivateKey('ec-p256.key.pem'), { alg: 'ES256' });
    expect(await verifyWith(provider.verificationKeys('sec1', VERIFY), es256)).toBeDefined();
    expect(await verifyWith(provider.verificationKeys('ec', VERIFY), es256)).toBeDefined();
    const eddsa = await sign(fixturePrivateKey('ed25519.key.pem'), { alg: 'EdDSA' });
    expect(await verifyWith(provider.verificationKeys('ed', VERIFY), eddsa)).toBeDefined();
    const toEc = await encrypt(fixturePublicKey('ec-p256.pub.pem'), { alg: 'ECDH-ES', enc: 'A128GCM' });
    expect(await decryptWith(provider.decryptionKeys('sec1', DECRYPT), toEc)).toBe('{"sub":"demo"}');
    const toX = await encrypt(fixturePublicKey('x25519.key.pem'), { alg: 'ECDH-ES+A256KW', enc: 'A256GCM' });
    expect(await decryptWith(provider.decryptionKeys('x', DECRYPT), toX)).toBe('{"sub":"demo"}');
    // An EC key is no RSA-OAEP key; an X25519 key does not sign; an Ed25519 key does not decrypt.
    expect(await keyCount(provider.decryptionKeys('sec1', DECRYPT), { alg: 'RSA-OAEP' })).toBe(0);
    expect(expectConfigError(() => provider.verificationKeys('x', VERIFY), VERIFY).message).toContain(
      'X25519',
    );
    expectConfigError(() => provider.decryptionKeys('ed', DECRYPT), DECRYPT);
  });

  it('rotates across files, active first, and can give a key a kid', async () => {
    const store = pemSecretStore({
      secrets: {
        rotating: [fixture('ec-p256.pub.pem'), { file: fixture('rsa-signing.cert.pem'), kid: 'old' }],
      },
    });
    expect(store.keys!('rotating')!.map((key) => key.jwk.kty)).toEqual(['EC', 'RSA']);
    const keys = providerOf(store).verificationKeys('rotating', VERIFY);
    expect(await verifyWith(keys, await sign(rsaSigner(), { alg: 'RS256', kid: 'old' }))).toBeDefined();
    expect(await verifyWith(keys, await sign(rsaSigner(), { alg: 'RS256' }))).toBeDefined();
    // The RSA key now serves only its own kid (or none); the EC key, without a kid, still serves any.
    expect(await keyCount(keys, { alg: 'RS256', kid: 'new' })).toBe(0);
    expect(await keyCount(keys, { alg: 'ES256', kid: 'new' })).toBe(1);
  });

  it('takes the password from another store, and the key of a file that also holds its certificate', async () => {
    const both =
      readFileSync(fixture('rsa-signing.cert.pem'), 'utf8') +
      readFileSync(fixture('rsa-signing.encrypted.pem'), 'utf8');
    const directory = tempDirectory({ 'key-and-cert.pem': both });
    const env = envSecretStore({ env: { PEM_PASSWORD: Buffer.from('pem-password').toString('base64') } });
    const store = pemSecretStore({
      secrets: {
        id: { file: `${directory}/key-and-cert.pem`, password: { store: env, secretId: 'pem.password' } },
      },
    });
    expect(store.keys!('id')![0]!.jwk.d).toBeDefined();
  });

  it('verifies tokens end to end through jwtResolver', async () => {
    const provider = providerOf(
      pemSecretStore({ secrets: { 'am.signing': fixture('rsa-signing.cert.pem') } }),
    );
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      keys: provider.verificationKeys('am.signing', VERIFY),
    });
    expectSuccess(await resolveAt(resolver, await sign(rsaSigner(), { alg: 'RS256' })));
  });
});

describe('pemSecretStore: start-up errors name the file', () => {
  const option = 'pemSecretStore.secrets';

  it('refuses a wrong or missing password', () => {
    const file = fixture('rsa-signing.encrypted.pem');
    const wrong = expectConfigError(
      () => pemSecretStore({ secrets: { id: { file, password: 'nope' } } }),
      option,
    );
    expect(wrong.message).toContain(file);
    expect(wrong.message).toContain('password is wrong');
    const missing = expectConfigError(() => pemSecretStore({ secrets: { id: file } }), option);
    expect(missing.message).toContain('give its password');
  });

  it('refuses missing, empty, oversized and ambiguous files', () => {
    const key = readFileSync(fixture('rsa-signing.key.pem'), 'utf8');
    const directory = tempDirectory({ 'empty.pem': '', 'two-keys.pem': key + key, 'junk.pem': 'hello' });
    expect(
      expectConfigError(() => pemSecretStore({ secrets: { id: `${directory}/none.pem` } }), option).message,
    ).toContain('ENOENT');
    expectConfigError(() => pemSecretStore({ secrets: { id: `${directory}/empty.pem` } }), option);
    expectConfigError(() => pemSecretStore({ secrets: { id: `${directory}/junk.pem` } }), option);
    expect(
      expectConfigError(() => pemSecretStore({ secrets: { id: `${directory}/two-keys.pem` } }), option)
        .message,
    ).toContain('several private keys');
    expect(
      expectConfigError(
        () => pemSecretStore({ secrets: { id: fixture('rsa-signing.key.pem') }, maxFileBytes: 1000 }),
        option,
      ).message,
    ).toContain('larger than 1000 bytes');
    expectConfigError(() => pemSecretStore({ secrets: { id: directory } }), option);
    expectConfigError(() => pemSecretStore({ secrets: { id: [] } }), 'pemSecretStore.secrets["id"]');
    expectConfigError(
      () => pemSecretStore({ secrets: { id: { file: '' } } }),
      'pemSecretStore.secrets["id"].file',
    );
    expectConfigError(
      () => pemSecretStore({ secrets: { id: fixture('rsa-signing.key.pem') }, maxFileBytes: 0 }),
      'pemSecretStore.maxFileBytes',
    );
  });

  it('refuses secret IDs and kids no lookup could match: empty, white space at either end, control characters', () => {
    const file = fixture('rsa-signing.cert.pem');
    for (const secretId of [' k', 'k\n', '']) {
      expectConfigError(() => pemSecretStore({ secrets: { [secretId]: file } }), option);
    }
    for (const kid of [' k1 \n', 'k1 ', '', 'k\u00001']) {
      expectConfigError(
        () => pemSecretStore({ secrets: { id: { file, kid } } }),
        'pemSecretStore.secrets["id"].kid',
      );
    }
  });
});

describe('pemSecretStore: passwords from another store', () => {
  const file = fixture('rsa-signing.encrypted.pem');
  const withPassword = (password: unknown) => () =>
    pemSecretStore({ secrets: { id: { file, password: password as never } } });

  it('refuses a reference that is not { store, secretId }, with RsConfigError rather than a TypeError', () => {
    const option = 'pemSecretStore.secrets["id"].password';
    const env = envSecretStore({ env: {} });
    expectConfigError(withPassword({ store: {}, secretId: 'k' }), `${option}.store`);
    expectConfigError(withPassword({ store: env, secretId: 'k', extra: 1 }), `${option}.extra`);
    expectConfigError(withPassword({ store: env, secretId: '' }), `${option}.secretId`);
    expectConfigError(withPassword(42), option);
  });

  it('refuses environment values that are not strings, and reports a store that throws', () => {
    for (const value of [5, null]) {
      expectConfigError(
        // The env store is built inside the thunk: it is where the value is refused.
        () => withPassword({ store: envSecretStore({ env: { K: value as never } }), secretId: 'k' })(),
        'envSecretStore.env["K"]',
      );
    }
    const failure = new TypeError('Cannot read properties of undefined');
    const broken = {
      name: 'vault',
      keys() {
        throw failure;
      },
    };
    const error = expectConfigError(
      withPassword({ store: broken, secretId: 'pem.password' }),
      'pemSecretStore.secrets["id"].password',
    );
    expect(error.message).toContain('vault');
    expect(error.cause).toBe(failure);
  });
});
