import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { envSecretStore } from '../../src/index.js';
import { pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import {
  decryptWith,
  encrypt,
  fixture,
  fixtureHex,
  fixturePrivateKey,
  providerOf,
  sign,
  tempDirectory,
  verifyWith,
} from '../secrets-setup.js';

const VERIFY = 'jwt.verificationSecretId';
const DECRYPT = 'jwt.decryptionSecretId';

describe('pkcs12SecretStore: entry passwords', () => {
  const file = fixture('entry-passwords.p12');

  it('opens each entry with its own password', async () => {
    const store = pkcs12SecretStore({
      file,
      storePassword: 'store-password',
      entryPasswords: { 'rsa-key': 'rsa-entry-password', 'encryption-key': 'aes-entry-password' },
      mappings: [
        { secretId: 'signing', aliases: ['rsa-key', 'verification-key'] },
        { secretId: 'encryption', aliases: ['encryption-key'] },
      ],
    });
    const provider = providerOf(store);
    const rs = await sign(fixturePrivateKey('keytool-rsa-key.key.pem'), { alg: 'RS256' });
    expect(await verifyWith(provider.verificationKeys('signing', VERIFY), rs)).toBeDefined();
    const aes = fixtureHex('keytool-encryption-key.hex');
    const token = await encrypt(aes, { alg: 'A256KW', enc: 'A256GCM' });
    expect(await decryptWith(provider.decryptionKeys('encryption', DECRYPT), token)).toBe('{"sub":"demo"}');
  });

  it('decrypts only mapped entries: a certificate needs no entry password', () => {
    const store = pkcs12SecretStore({
      file,
      storePassword: 'store-password',
      mappings: [{ secretId: 'cert', aliases: ['verification-key'] }],
    });
    expect(store.keys!('cert')).toHaveLength(1);
  });

  it('refuses a wrong entry password, naming the file, the alias and the password option', () => {
    const byDefault = expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'store-password',
          mappings: [{ secretId: 's', aliases: ['rsa-key'] }],
        }),
      'pkcs12SecretStore.storePassword',
    );
    expect(byDefault.message).toContain(`${file} alias "rsa-key"`);
    expect(byDefault.message).toContain('entry password is wrong');
    expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'store-password',
          keyEntryPassword: 'rsa-entry-password',
          mappings: [{ secretId: 's', aliases: ['encryption-key'] }],
        }),
      'pkcs12SecretStore.keyEntryPassword',
    );
    expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'store-password',
          entryPasswords: { 'rsa-key': 'wrong' },
          mappings: [{ secretId: 's', aliases: ['rsa-key'] }],
        }),
      'pkcs12SecretStore.entryPasswords',
    );
  });
});

describe('pkcs12SecretStore: bounded, malformed and foreign inputs', () => {
  const bytes = readFileSync(fixture('keytool.p12'));
  const mappings = [{ secretId: 's', aliases: ['rsa-key'] }];

  it('refuses a file over the size limit before reading it', () => {
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file: fixture('keytool.p12'),
          storePassword: 'password',
          mappings,
          maxFileBytes: 4096,
        }),
      'pkcs12SecretStore.file',
    );
    expect(error.message).toContain('larger than 4096 bytes');
  });

  it('refuses truncated, garbage, JKS and missing files', () => {
    const directory = tempDirectory({
      'truncated.p12': bytes.subarray(0, bytes.length - 100),
      'garbage.p12': crypto.getRandomValues(new Uint8Array(2000)),
      'store.jks': Buffer.concat([Buffer.from([0xfe, 0xed, 0xfe, 0xed]), bytes]),
    });
    for (const name of ['truncated.p12', 'garbage.p12', 'missing.p12']) {
      expectConfigError(
        () => pkcs12SecretStore({ file: `${directory}/${name}`, storePassword: 'password', mappings }),
        'pkcs12SecretStore.file',
      );
    }
    const jks = expectConfigError(
      () => pkcs12SecretStore({ file: `${directory}/store.jks`, storePassword: 'password', mappings }),
      'pkcs12SecretStore.file',
    );
    expect(jks.message).toContain('JKS');
  });

  it('refuses a keystore asking for more key-derivation iterations than the limit', () => {
    // The MAC iteration count sits outside what the MAC protects: rewrite it to 2 000 000.
    const pfx = forge.asn1.fromDer(bytes.toString('binary'));
    const macData = (pfx.value as forge.asn1.Asn1[])[2]!;
    (macData.value as forge.asn1.Asn1[])[2]!.value = forge.asn1.integerToDer(2_000_000).getBytes();
    const directory = tempDirectory({ 'slow.p12': Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary') });
    const error = expectConfigError(
      () => pkcs12SecretStore({ file: `${directory}/slow.p12`, storePassword: 'password', mappings }),
      'pkcs12SecretStore.file',
    );
    expect(error.message).toContain('2000000 key-derivation iterations');
  });

  it('checks its options', () => {
    expectConfigError(() => pkcs12SecretStore({} as never), 'pkcs12SecretStore.file');
    expectConfigError(
      () => pkcs12SecretStore({ file: fixture('keytool.p12'), storePassword: 'password', mappings: [] }),
      'pkcs12SecretStore.mappings',
    );
    expectConfigError(
      () =>
        pkcs12SecretStore({
          file: fixture('keytool.p12'),
          storePassword: 'password',
          mappings: [{ secretId: 's', aliases: [] }],
        }),
      'pkcs12SecretStore.mappings',
    );
    expectConfigError(
      () =>
        pkcs12SecretStore({
          file: fixture('keytool.p12'),
          storePassword: { store: envSecretStore({ env: {} }), secretId: 'unset' },
          mappings,
        }),
      'pkcs12SecretStore.storePassword',
    );
  });
});
