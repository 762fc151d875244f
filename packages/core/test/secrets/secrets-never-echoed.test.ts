import { readFileSync } from 'node:fs';
import { exportJWK, exportPKCS8, generateKeyPair } from 'jose';
import { describe, expect, it } from 'vitest';
import { envSecretStore, jwkSetStore, jwtResolver, sharedSecrets, staticJwks } from '../../src/index.js';
import {
  directorySecretStore,
  jwkSetFileStore,
  pemSecretStore,
  pkcs12SecretStore,
} from '../../src/node/index.js';
import {
  filePathInMessage,
  looksLikeFilePath,
  looksLikeSecretId,
  secretIdInMessage,
} from '../../src/secrets/shown-in-messages.js';
import { expectConfigError, ISSUER, randomBytes } from '../helpers.js';
import { fixture, providerOf, tempDirectory } from '../secrets-setup.js';

// Key material as it sits in an environment variable, given where the path of its file belongs.
const { privateKey, publicKey } = await generateKeyPair('ES256', { extractable: true });
const PEM = await exportPKCS8(privateKey);
const PEM_BODY = PEM.split('\n')[1]!;
const PUBLIC_JWK = { ...(await exportJWK(publicKey)), kid: 'k' };
const PRIVATE_JWK = { ...(await exportJWK(privateKey)), kid: 'k' };
const JWKS_TEXT = JSON.stringify({ keys: [PRIVATE_JWK] });
const KEYSTORE_BASE64 = readFileSync(fixture('openssl.p12')).toString('base64');
// Fixed rather than random, so that each run checks the same values: a base64 secret whose `/` cuts it
// into short runs (the hardest base64 to recognise), a hex one and a base64url one.
const HMAC_BASE64 = 'q3J8Zk2Lp0Xw9Rt5Vb7Nc1/Yh4Md6Gf8Ks2Aj0Ue3Wo=';
const HMAC_HEX = '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08';
const HMAC_BASE64URL = 'n4bQgYhMfWWaL-qgxVrQFaO_TxsrC4Is0V1sFbDwCgg';

/** The message of the RsConfigError `build` throws for `option`, checked not to hold `secret`. */
function messageWithout(build: () => unknown, option: string, secret: string): string {
  const { message } = expectConfigError(build, option);
  expect(message).not.toContain(secret);
  return message;
}

describe('key material given in place of a file path is never repeated', () => {
  it('pemSecretStore: PEM text as the path, bare or as { file }', () => {
    const option = 'pemSecretStore.secrets';
    for (const entry of [PEM, { file: PEM }, { file: `  ${PEM}` }]) {
      const message = messageWithout(() => pemSecretStore({ secrets: { signing: entry } }), option, PEM_BODY);
      expect(message).not.toContain('BEGIN');
      expect(message).toContain('does not look like a file path');
      expect(message).toContain('was key material given in place of its file?');
    }
  });

  it('pemSecretStore: a one-line PEM (literal \\n) and base64 DER as the path', () => {
    const oneLine = PEM.replaceAll('\n', '\\n');
    messageWithout(() => pemSecretStore({ secrets: { id: oneLine } }), 'pemSecretStore.secrets', PEM_BODY);
    const der = PEM.split('\n').slice(1, -2).join('');
    messageWithout(() => pemSecretStore({ secrets: { id: der } }), 'pemSecretStore.secrets', der);
  });

  it("jwkSetFileStore: a JWK set's JSON as the file, its private d not repeated", () => {
    const message = messageWithout(
      () => jwkSetFileStore({ file: JWKS_TEXT }),
      'jwkSetFileStore.file',
      PRIVATE_JWK.d!,
    );
    expect(message).not.toContain('"keys"');
    expect(message).toContain('does not look like a file path');
  });

  it('pkcs12SecretStore: a base64 keystore as the file', () => {
    const build = (file: string) => () =>
      pkcs12SecretStore({ file, storePassword: 'password', mappings: [{ secretId: 'a', aliases: ['b'] }] });
    const message = messageWithout(
      build(KEYSTORE_BASE64),
      'pkcs12SecretStore.file',
      KEYSTORE_BASE64.slice(0, 32),
    );
    expect(message).toContain(`${KEYSTORE_BASE64.length} characters`);
    // Short enough to be a file name, still a keystore's opening bytes: base64 mixing letters and digits.
    const head = KEYSTORE_BASE64.slice(0, 64);
    messageWithout(build(head), 'pkcs12SecretStore.file', head);
    // Without mappings the message names the file too: still not the keystore.
    messageWithout(
      () =>
        pkcs12SecretStore({ file: KEYSTORE_BASE64, storePassword: 'password', mappings: undefined as never }),
      'pkcs12SecretStore.mappings',
      KEYSTORE_BASE64.slice(0, 32),
    );
  });

  it('directorySecretStore: a secret as the directory', () => {
    for (const secret of [PEM, HMAC_BASE64, HMAC_HEX, HMAC_BASE64URL]) {
      const message = messageWithout(
        () => directorySecretStore({ directory: secret, format: 'plain' }),
        'directorySecretStore.directory',
        secret.includes('BEGIN') ? PEM_BODY : secret,
      );
      expect(message).toContain('does not look like a file path');
    }
  });

  it('still names a real path: a missing file, a typo in a directory, a file that is not JSON', () => {
    const directory = tempDirectory({ 'text.json': 'not json' });
    const missing = `${directory}/am-signing-2024/current.pem`;
    expect(
      expectConfigError(() => pemSecretStore({ secrets: { id: missing } }), 'pemSecretStore.secrets').message,
    ).toContain(`cannot read ${missing}: ENOENT`);
    expect(
      expectConfigError(
        () => directorySecretStore({ directory: `${directory}/nope`, format: 'plain' }),
        'directorySecretStore.directory',
      ).message,
    ).toContain(`${directory}/nope is not a directory`);
    expect(
      expectConfigError(() => jwkSetFileStore({ file: `${directory}/text.json` }), 'jwkSetFileStore.file')
        .message,
    ).toContain(`${directory}/text.json is not JSON`);
  });
});

describe('a secret given in place of its secret ID is never repeated', () => {
  const HMAC_TEXT = 'hmac-secret-value-that-is-32-bytes!!';
  const stores = [envSecretStore({ env: {} }), sharedSecrets({ 'am.hmac': randomBytes(32) })];

  it('jwtResolver: verificationSecretId and decryptionSecretId no store knows', () => {
    const secrets = providerOf(...stores);
    for (const secret of [
      HMAC_TEXT,
      HMAC_BASE64,
      HMAC_HEX,
      HMAC_BASE64URL,
      PEM,
      'hmac-secret-value-that-is-32-bytes',
    ]) {
      const verification = messageWithout(
        () => jwtResolver({ issuer: ISSUER, acceptAnyAudience: true, secrets, verificationSecretId: secret }),
        'jwtResolver.verificationSecretId',
        secret,
      );
      expect(verification).toContain(`given (${secret.length} characters, not shown`);
      expect(verification).toContain('was the secret given in place of its ID?');
      messageWithout(
        () =>
          jwtResolver({
            issuer: ISSUER,
            acceptAnyAudience: true,
            keys: staticJwks({ keys: [PUBLIC_JWK] }),
            secrets,
            decryptionSecretId: secret,
          }),
        'jwtResolver.decryptionSecretId',
        secret,
      );
    }
  });

  it('a store that knows every ID (a JWK set) does not repeat it when no key fits', () => {
    const publicOnly = providerOf(jwkSetStore({ jwks: { keys: [PUBLIC_JWK] } }));
    messageWithout(
      () => publicOnly.decryptionKeys(HMAC_BASE64, 'jwtResolver.decryptionSecretId'),
      'jwtResolver.decryptionSecretId',
      HMAC_BASE64,
    );
  });

  it('a password reference whose secretId is the password', () => {
    const env = envSecretStore({ env: {} });
    messageWithout(
      () =>
        pkcs12SecretStore({
          file: fixture('openssl.p12'),
          storePassword: { store: env, secretId: HMAC_TEXT },
          mappings: [{ secretId: 'a', aliases: ['signature-key'] }],
        }),
      'pkcs12SecretStore.storePassword',
      HMAC_TEXT,
    );
  });

  it('still names an ID that looks like one', () => {
    const secrets = providerOf(...stores);
    for (const id of ['stateless.access.token.verification.key', 'am.hmac.v2', 'rs_signing-key']) {
      expect(
        expectConfigError(
          () => jwtResolver({ issuer: ISSUER, acceptAnyAudience: true, secrets, verificationSecretId: id }),
          'jwtResolver.verificationSecretId',
        ).message,
      ).toContain(`no secret store knows the secret ID "${id}" for verification`);
    }
  });
});

describe('what an error message may repeat', () => {
  it('shows paths as configured, long names and macOS temporary directories included', () => {
    for (const path of [
      '/etc/rs/keystore.p12',
      'config/jwks.json',
      'C:\\rs\\keys\\signing.pem',
      '/run/secrets/rs',
      '/var/run/secrets/kubernetes.io/serviceaccount/token',
      '/var/folders/2b/kx8y0l3d5q7g8h9j0k1l2m3n0000gn/T/rs-secrets-Ab12Cd',
      '/etc/rs/keys/am-signing-2024/current.pem',
      '/etc/rs/stateless-access-token-verification-keys/key.pem',
    ]) {
      expect(looksLikeFilePath(path), path).toBe(true);
      expect(filePathInMessage(path)).toBe(path);
    }
  });

  it('hides PEM and JSON text, long values, control characters and base64 or hex runs', () => {
    for (const value of [
      PEM,
      `\n${PEM}`,
      JWKS_TEXT,
      JSON.stringify(PRIVATE_JWK),
      '[{"kty":"oct"}]',
      HMAC_BASE64,
      HMAC_HEX,
      HMAC_BASE64URL,
      Buffer.from(randomBytes(48)).toString('base64'),
      `/etc/rs/${'a'.repeat(250)}`,
      '/etc/rs/key.pem\nINFO forged log line',
      '/etc/rs/key\u202e.pem',
      'x\0',
      '',
    ]) {
      expect(looksLikeFilePath(value), value).toBe(false);
      expect(filePathInMessage(value)).toBe(
        `a value that does not look like a file path (${value.length} characters, not shown; was key material given in place of its file?)`,
      );
    }
  });

  it('shows secret IDs that are names, and nothing else', () => {
    for (const id of ['keystore.pass', 'stateless.access.token.verification.key', 'AM_HMAC', 'my-key.v2']) {
      expect(looksLikeSecretId(id), id).toBe(true);
      expect(secretIdInMessage(id)).toBe(`"${id}"`);
    }
    for (const value of ['p@ss w0rd!', HMAC_BASE64, HMAC_HEX, HMAC_BASE64URL, PEM, 'x'.repeat(256), 'a"b']) {
      expect(looksLikeSecretId(value), value).toBe(false);
      expect(secretIdInMessage(value)).toBe(
        `given (${value.length} characters, not shown: it does not look like an ID; was the secret given in place of its ID?)`,
      );
    }
  });

  it('cannot tell a short password from a name (a documented limit of the rule)', () => {
    expect(looksLikeFilePath('changeit')).toBe(true);
    expect(looksLikeSecretId('changeit')).toBe(true);
  });
});
