import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { envSecretStore, RsConfigError, type SecretStore, sharedSecrets } from '../../src/index.js';
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

const VERIFY = 'jwtResolver.verificationSecretId';
const DECRYPT = 'jwtResolver.decryptionSecretId';

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

  it('refuses entry passwords for an alias no mapping uses (a typo would leave the entry on another password)', () => {
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'store-password',
          entryPasswords: { 'rsa-key': 'rsa-entry-password', 'rsa-kee': 'rsa-entry-password' },
          mappings: [{ secretId: 's', aliases: ['rsa-key'] }],
        }),
      'pkcs12SecretStore.entryPasswords',
    );
    expect(error.message).toContain('"rsa-kee"');
    expect(error.message).not.toContain('rsa-entry-password');
    // Aliases match case-insensitively, as in the JDK, here too.
    const store = pkcs12SecretStore({
      file,
      storePassword: 'store-password',
      entryPasswords: { 'RSA-Key': 'rsa-entry-password' },
      mappings: [{ secretId: 's', aliases: ['rsa-key'] }],
    });
    expect(store.keys!('s')).toHaveLength(1);
  });

  it('refuses an entry password given as undefined rather than falling back to the store password', () => {
    // `keyEntryPassword: process.env.KEY_PASSWORD` with the variable unset: the store password must not
    // silently stand in for it.
    expectConfigError(
      () =>
        pkcs12SecretStore({
          file: fixture('keytool.p12'),
          storePassword: 'password',
          keyEntryPassword: undefined,
          mappings: [{ secretId: 's', aliases: ['rsa-key'] }],
        }),
      'pkcs12SecretStore.keyEntryPassword',
    );
    expectConfigError(
      () =>
        pkcs12SecretStore({
          file: fixture('keytool.p12'),
          storePassword: 'password',
          entryPasswords: { 'rsa-key': undefined as never },
          mappings: [{ secretId: 's', aliases: ['rsa-key'] }],
        }),
      'pkcs12SecretStore.entryPasswords["rsa-key"]',
    );
  });
});

describe('pkcs12SecretStore: passwords from another store', () => {
  const file = fixture('keytool.p12');
  const mappings = [{ secretId: 's', aliases: ['rsa-key'] }];
  const withStorePassword = (storePassword: unknown) => () =>
    pkcs12SecretStore({ file, storePassword: storePassword as never, mappings });

  it('reads the store password from another store', () => {
    const env = envSecretStore({ env: { KEYSTORE_PASS: 'password' }, format: 'plain' });
    const store = withStorePassword({ store: env, secretId: 'keystore.pass' })();
    expect(store.keys!('s')).toHaveLength(1);
  });

  it('refuses a reference that is not { store, secretId }, with RsConfigError rather than a TypeError', () => {
    const option = 'pkcs12SecretStore.storePassword';
    const secrets = sharedSecrets({ k: 'password' });
    const notAStore = expectConfigError(withStorePassword({ store: {}, secretId: 'k' }), `${option}.store`);
    expect(notAStore.message).not.toContain('undefined');
    expectConfigError(withStorePassword({ store: { name: 'x' }, secretId: 'k' }), `${option}.store`);
    expectConfigError(withStorePassword({ store: null, secretId: 'k' }), `${option}.store`);
    expectConfigError(withStorePassword({ secretId: 'k' }), `${option}.store`);
    expectConfigError(withStorePassword({ store: secrets }), `${option}.secretId`);
    expectConfigError(withStorePassword({ store: secrets, secretId: ' k' }), `${option}.secretId`);
    expectConfigError(withStorePassword({ store: secrets, secretId: 'k', extra: 1 }), `${option}.extra`);
    expectConfigError(withStorePassword(undefined), option);
    expectConfigError(withStorePassword(5), option);
  });

  it('refuses environment values that are not strings where the store is made, never repeating them', () => {
    for (const value of [5, null, { K: 'x' }]) {
      const error = expectConfigError(
        // The env store is built inside the thunk: it is where the value is refused.
        () => withStorePassword({ store: envSecretStore({ env: { K: value as never } }), secretId: 'k' })(),
        'envSecretStore.env["K"]',
      );
      expect(error).toBeInstanceOf(RsConfigError);
    }
  });

  it('reports a store that throws under the option and the store, the error kept as cause, not repeated', () => {
    const failure = new Error('vault token hvs.CAESIJ1sEcReT expired');
    const broken: SecretStore = {
      name: 'vault',
      keys() {
        throw failure;
      },
    };
    const error = expectConfigError(
      withStorePassword({ store: broken, secretId: 'keystore.pass' }),
      'pkcs12SecretStore.storePassword',
    );
    expect(error.message).toContain('vault');
    expect(error.message).toContain('"keystore.pass"');
    expect(error.message).not.toContain('hvs.CAESIJ1sEcReT');
    expect(error.cause).toBe(failure);
    // A store's own RsConfigError already says what is wrong without secrets: its words are kept.
    const empty = envSecretStore({ env: { KEYSTORE_PASS: '' } });
    const wrapped = expectConfigError(
      withStorePassword({ store: empty, secretId: 'keystore.pass' }),
      'pkcs12SecretStore.storePassword',
    );
    expect(wrapped.message).toContain('environment variable KEYSTORE_PASS is empty');
    expect(wrapped.cause).toBeInstanceOf(RsConfigError);
  });

  it('refuses a store that answers with something other than a list of keys', () => {
    for (const answer of ['password', [undefined], [{ origin: 'x' }], {}]) {
      const odd = { name: 'odd', keys: () => answer } as unknown as SecretStore;
      expectConfigError(withStorePassword({ store: odd, secretId: 'k' }), 'pkcs12SecretStore.storePassword');
    }
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
      'pkcs12SecretStore.mappings[0].aliases',
    );
    // Compared exactly with what resolvers ask for: an ID with a stray space or line break matches nothing.
    for (const secretId of [' sig ', 'sig\n', '', 'a\0b']) {
      expectConfigError(
        () =>
          pkcs12SecretStore({
            file: fixture('keytool.p12'),
            storePassword: 'password',
            mappings: [{ secretId, aliases: ['rsa-key'] }],
          }),
        'pkcs12SecretStore.mappings[0].secretId',
      );
    }
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
