import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { directorySecretStore, jwkSetFileStore, pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import {
  fixture,
  fixturePrivateKey,
  fixturePublicKey,
  providerOf,
  sign,
  tempDirectory,
  verifyWith,
} from '../secrets-setup.js';

const VERIFY = 'jwtResolver.verificationSecretId';
const BYTE_ORDER_MARK = '\ufeff';

describe('pkcs12SecretStore: keystores as the JDK reads them', () => {
  it('names a key entry without a friendly name "1", as keytool -list shows it', async () => {
    // openssl pkcs12 -export without -name: no friendly name on the key or its certificate.
    const store = pkcs12SecretStore({
      file: fixture('openssl-unnamed.p12'),
      storePassword: 'password',
      mappings: [{ secretId: 'signing', aliases: ['1'] }],
    });
    const token = await sign(fixturePrivateKey('rsa-signing.key.pem'), { alg: 'RS256' });
    expect(await verifyWith(providerOf(store).verificationKeys('signing', VERIFY), token)).toBeDefined();
  });

  it('says a JCEKS keystore is one, with the keytool command that converts it', () => {
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file: fixture('keytool.jceks'),
          storePassword: 'password',
          mappings: [{ secretId: 'signing', aliases: ['rsa-key'] }],
        }),
      'pkcs12SecretStore.file',
    );
    expect(error.message).toContain('is a JCEKS keystore');
    expect(error.message).toContain('keytool -importkeystore -srcstoretype JCEKS -deststoretype PKCS12');
  });
});

describe('pkcs12SecretStore: secret keys JOSE does not use', () => {
  it('refuses a 3DES secret key rather than offering it as an AES-192 key', () => {
    for (const secretId of ['decryption', 'verification']) {
      const error = expectConfigError(
        () =>
          pkcs12SecretStore({
            file: fixture('keytool-other-secret-keys.p12'),
            storePassword: 'password',
            mappings: [{ secretId, aliases: ['desede-key'] }],
          }),
        'pkcs12SecretStore.mappings',
      );
      expect(error.message).toContain('holds a secret key of an algorithm JOSE does not use');
      // DESede, as keytool names it (OIW's desEDE).
      expect(error.message).toContain('(OID 1.3.14.3.2.17)');
    }
  });
});

describe('pkcs12SecretStore: aliases in messages', () => {
  const file = fixture('keytool.p12');
  const privateKeyPem = readFileSync(fixture('rsa-signing.key.pem'), 'utf8');
  const body = privateKeyPem.split('\n')[1]!;

  it('never repeats a private key given where an alias belongs', () => {
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'password',
          mappings: [{ secretId: 'signing', aliases: [privateKeyPem] }],
        }),
      'pkcs12SecretStore.mappings',
    );
    expect(error.message).not.toContain(body);
    expect(error.message).toContain(`${privateKeyPem.length} characters, not shown`);
  });

  it('never repeats a password written as the alias of entryPasswords (the record the other way round)', () => {
    const password = 'Xk9#mP2$vL!q';
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'password',
          entryPasswords: { [password]: 'rsa-key' },
          mappings: [{ secretId: 'signing', aliases: ['rsa-key'] }],
        }),
      'pkcs12SecretStore.entryPasswords',
    );
    expect(error.message).not.toContain(password);
    expect(error.message).toContain('mapped aliases: "rsa-key"');
  });

  it('still names aliases that are names, spaces inside included', () => {
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'password',
          mappings: [{ secretId: 'signing', aliases: ['signing key 2025'] }],
        }),
      'pkcs12SecretStore.mappings',
    );
    expect(error.message).toContain('no entry with alias "signing key 2025"');
  });
});

describe('file stores: a byte order mark opening a text file', () => {
  it('reads a JWK set file that opens with one (written by a Windows editor)', () => {
    const jwk = { ...fixturePublicKey('rsa-signing.pub.pem').export({ format: 'jwk' }), kid: 'k1' };
    const text = `${BYTE_ORDER_MARK}${JSON.stringify({ keys: [jwk] }, null, 2).replace(/\n/g, '\r\n')}`;
    const directory = tempDirectory({ 'jwks.json': text });
    const store = jwkSetFileStore({ file: `${directory}/jwks.json` });
    expect(store.keys?.('any')?.map((key) => key.jwk.kid)).toEqual(['k1']);
  });

  it('reads a base64 secret file that opens with one, and keeps it in a plain one', () => {
    const secret = Buffer.from('0123456789abcdef0123456789abcdef');
    const directory = tempDirectory({
      hmac: `${BYTE_ORDER_MARK}${secret.toString('base64')}\r\n`,
    });
    const base64 = directorySecretStore({ directory, format: 'base64' }).keys?.('hmac');
    expect(Buffer.from(base64![0]!.jwk.k!, 'base64url')).toEqual(secret);
    // Plain files are the secret byte for byte: the mark stays.
    const plain = directorySecretStore({ directory, format: 'plain' }).keys?.('hmac');
    expect(Buffer.from(plain![0]!.jwk.k!, 'base64url').subarray(0, 3)).toEqual(
      Buffer.from([0xef, 0xbb, 0xbf]),
    );
  });

  // Windows PowerShell 5's `>` and `Out-File` write UTF-16 LE with a byte order mark.
  const utf16 = (text: string, bigEndian = false): Buffer => {
    const littleEndian = Buffer.from(`${BYTE_ORDER_MARK}${text}`, 'utf16le');
    return bigEndian ? Buffer.from(littleEndian).swap16() : littleEndian;
  };

  it.each([false, true])('reads a UTF-16 JWK set and base64 secret file (big-endian: %s)', (bigEndian) => {
    const jwk = { ...fixturePublicKey('rsa-signing.pub.pem').export({ format: 'jwk' }), kid: 'k1' };
    const secret = Buffer.from('0123456789abcdef0123456789abcdef');
    const directory = tempDirectory({
      'jwks.json': utf16(`${JSON.stringify({ keys: [jwk] })}\r\n`, bigEndian),
      hmac: utf16(`${secret.toString('base64')}\r\n`, bigEndian),
    });
    const store = jwkSetFileStore({ file: `${directory}/jwks.json` });
    expect(store.keys?.('any')?.map((key) => key.jwk.kid)).toEqual(['k1']);
    const base64 = directorySecretStore({ directory, format: 'base64' }).keys?.('hmac');
    expect(Buffer.from(base64![0]!.jwk.k!, 'base64url')).toEqual(secret);
  });
});
