import { mkdirSync } from 'node:fs';
import { exportJWK, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { sharedSecrets } from '../../src/index.js';
import { directorySecretStore, jwkSetFileStore } from '../../src/node/index.js';
import { expectConfigError, randomBytes } from '../helpers.js';
import {
  decryptWith,
  encrypt,
  keyCount,
  providerOf,
  sign,
  tempDirectory,
  verifyWith,
} from '../secrets-setup.js';

const VERIFY = 'jwtResolver.verificationSecretId';
const DECRYPT = 'jwtResolver.decryptionSecretId';

describe('directorySecretStore', () => {
  const hmac = randomBytes(32);
  const aes = randomBytes(16);
  const directory = tempDirectory({
    'keystore.pass': 'password',
    'with.newline': 'password\n',
    'am.hmac': Buffer.from(hmac)
      .toString('base64')
      .replace(/(.{16})/g, '$1\n'),
    'am.aes.b64': `${Buffer.from(aes).toString('base64')}\n`,
    'bad.b64': 'not base64!',
    'empty.b64': '',
  });
  mkdirSync(`${directory}/a-directory`);

  it('reads plain files byte for byte (as in Identity Gateway, keystore.pass holds "password")', () => {
    const store = directorySecretStore({ directory, format: 'plain' });
    expect(store.keys!('keystore.pass')).toEqual([
      { jwk: { kty: 'oct', k: 'cGFzc3dvcmQ' }, origin: `${directory}/keystore.pass` },
    ]);
    // A trailing newline is part of the secret, as in ForgeRock Identity Gateway: write files with `echo -n`.
    expect(store.keys!('with.newline')![0]!.jwk.k).toBe('cGFzc3dvcmQK');
  });

  it('reads base64 files, line breaks ignored, and verifies and decrypts real tokens with them', async () => {
    const provider = providerOf(directorySecretStore({ directory, format: 'base64' }));
    const keys = provider.verificationKeys('am.hmac', VERIFY);
    expect(await verifyWith(keys, await sign(hmac, { alg: 'HS256' }))).toBeDefined();
    const suffixed = providerOf(directorySecretStore({ directory, format: 'base64', suffix: '.b64' }));
    const token = await encrypt(aes, { alg: 'A128KW', enc: 'A256GCM' });
    expect(await decryptWith(suffixed.decryptionKeys('am.aes', DECRYPT), token)).toBe('{"sub":"demo"}');
  });

  it('does not know IDs without a file, nor IDs that are not plain file names', () => {
    const store = directorySecretStore({ directory, format: 'plain' });
    for (const id of ['missing', '../keystore.pass', 'sub/keystore.pass', '.', '..', 'a\0b', '..\\x']) {
      expect(store.keys!(id)).toBeUndefined();
    }
    const provider = providerOf(store, sharedSecrets({ missing: randomBytes(32) }));
    expect(provider.verificationKeys('missing', VERIFY).symmetric).toBe(true);
  });

  it('refuses bad, empty, oversized and non-regular files when the secret is asked for', () => {
    const base64 = directorySecretStore({ directory, format: 'base64', suffix: '.b64' });
    expect(expectConfigError(() => base64.keys!('bad'), 'directorySecretStore').message).toContain('bad.b64');
    expectConfigError(() => base64.keys!('empty'), 'directorySecretStore');
    const small = directorySecretStore({ directory, format: 'plain', maxFileBytes: 4 });
    expect(expectConfigError(() => small.keys!('keystore.pass'), 'directorySecretStore').message).toContain(
      'larger than 4 bytes',
    );
    const plain = directorySecretStore({ directory, format: 'plain' });
    expectConfigError(() => plain.keys!('a-directory'), 'directorySecretStore');
  });

  it('checks its options when built', () => {
    expectConfigError(
      () => directorySecretStore({ directory: `${directory}/nope`, format: 'plain' }),
      'directorySecretStore.directory',
    );
    expectConfigError(
      () => directorySecretStore({ directory, format: 'hex' as never }),
      'directorySecretStore.format',
    );
    expectConfigError(
      () => directorySecretStore({ directory, format: 'plain', suffix: '/x' }),
      'directorySecretStore.suffix',
    );
    // A suffix is compared exactly with file names: one that could never be meant is refused.
    for (const suffix of [null, '', '\n', ' .txt', '.txt ', '.t\u0000xt']) {
      expectConfigError(
        () => directorySecretStore({ directory, format: 'plain', suffix: suffix as never }),
        'directorySecretStore.suffix',
      );
    }
    expectConfigError(
      () => directorySecretStore({ format: 'plain' } as never),
      'directorySecretStore.directory',
    );
  });
});

describe('jwkSetFileStore', () => {
  it('reads a JWK set file: kid-chosen verification and decryption keys, for any or some IDs', async () => {
    const signing = await generateKeyPair('ES384', { extractable: true });
    const secret = randomBytes(32);
    const jwks = {
      keys: [
        { ...(await exportJWK(signing.publicKey)), kid: 'sig-1', use: 'sig' },
        { kty: 'oct', kid: 'enc-1', use: 'enc', k: Buffer.from(secret).toString('base64url') },
      ],
    };
    const directory = tempDirectory({ 'jwks.json': JSON.stringify(jwks) });
    const provider = providerOf(jwkSetFileStore({ file: `${directory}/jwks.json` }));
    const verification = provider.verificationKeys('anything', VERIFY);
    expect(
      await verifyWith(verification, await sign(signing.privateKey, { alg: 'ES384', kid: 'sig-1' })),
    ).toBeDefined();
    expect(await keyCount(verification, { alg: 'HS256' })).toBe(0);
    const decryption = provider.decryptionKeys('anything', DECRYPT);
    const token = await encrypt(secret, { alg: 'dir', enc: 'A128CBC-HS256', kid: 'enc-1' });
    expect(await decryptWith(decryption, token)).toBe('{"sub":"demo"}');
    const limited = jwkSetFileStore({ file: `${directory}/jwks.json`, secretIds: 'am.keys' });
    expect(limited.keys!('am.keys')).toHaveLength(2);
    expect(limited.keys!('other')).toBeUndefined();
  });

  it('refuses a missing, oversized, non-JSON or non-JWK-set file, naming it', () => {
    const many = { keys: Array.from({ length: 101 }, () => ({ kty: 'oct', k: 'AAAA' })) };
    const directory = tempDirectory({
      'text.json': 'not json',
      'object.json': '{"keys": {}}',
      'many.json': JSON.stringify(many),
    });
    const option = 'jwkSetFileStore.file';
    expect(
      expectConfigError(() => jwkSetFileStore({ file: `${directory}/text.json` }), option).message,
    ).toContain(`${directory}/text.json is not JSON`);
    expectConfigError(() => jwkSetFileStore({ file: `${directory}/object.json` }), option);
    expectConfigError(() => jwkSetFileStore({ file: `${directory}/many.json` }), option);
    expectConfigError(() => jwkSetFileStore({ file: `${directory}/none.json` }), option);
    expectConfigError(() => jwkSetFileStore({ file: `${directory}/many.json`, maxFileBytes: 100 }), option);
    expectConfigError(() => jwkSetFileStore({ file: '' }), option);
  });
});
