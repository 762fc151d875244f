// The troubleshooting table lists `ERR_RS_PEM`, `ERR_RS_PKCS12_PASSWORD`, `ERR_RS_PKCS12_FORMAT` and
// `ERR_RS_ASN1_SHAPE`, but no user could receive them: the stores turned each into a plain
// RsConfigError (`ERR_RS_CONFIG`) without a cause. The RsConfigError stays (it names the option), and
// the error with the specific code is its `cause`.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RsError } from '../../src/index.js';
import { pemSecretStore, pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture, tempDirectory } from '../secrets-setup.js';

/** The code of `error`'s cause, checked to be an RsError. */
function causeCode(error: Error): string {
  expect(error.cause).toBeInstanceOf(RsError);
  return (error.cause as RsError).code;
}

describe('pemSecretStore: ERR_RS_PEM reaches the user, as the cause', () => {
  const files: Record<string, string> = {
    'request.pem': '-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n',
    'broken.pem': '-----BEGIN PUBLIC KEY-----\n!!!!\n-----END PUBLIC KEY-----\n',
    'locked.pem': readFileSync(fixture('rsa-signing.encrypted.pem'), 'utf8'),
    'openssh.pem': '-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n',
  };

  it.each(Object.keys(files))('%s', (name) => {
    const directory = tempDirectory(files);
    const error = expectConfigError(
      () => pemSecretStore({ secrets: { k: join(directory, name) } }),
      'pemSecretStore.secrets',
    );
    expect(causeCode(error)).toBe('ERR_RS_PEM');
    // The cause says what the message says, without the path: nothing more is shown by a logger.
    expect(error.message).toContain((error.cause as Error).message);
  });
});

describe('pkcs12SecretStore: the Pkcs12Error codes reach the user, as the cause', () => {
  const mappings = [{ secretId: 'sig', aliases: ['signature-key'] }];

  it('ERR_RS_PKCS12_PASSWORD: a wrong store password', () => {
    const error = expectConfigError(
      () => pkcs12SecretStore({ file: fixture('openssl.p12'), storePassword: 'wrong', mappings }),
      'pkcs12SecretStore.storePassword',
    );
    expect(causeCode(error)).toBe('ERR_RS_PKCS12_PASSWORD');
  });

  it('ERR_RS_PKCS12_FORMAT: a keystore without a MAC', () => {
    const error = expectConfigError(
      () => pkcs12SecretStore({ file: fixture('openssl-nomac.p12'), storePassword: 'password', mappings }),
      'pkcs12SecretStore.file',
    );
    expect(causeCode(error)).toBe('ERR_RS_PKCS12_FORMAT');
  });

  it('ERR_RS_ASN1_SHAPE: a damaged keystore, as the cause of the Pkcs12Error', () => {
    const damaged = readFileSync(fixture('openssl.p12')).subarray(0, 200);
    const file = join(tempDirectory({ 'damaged.p12': damaged }), 'damaged.p12');
    const error = expectConfigError(
      () => pkcs12SecretStore({ file, storePassword: 'password', mappings }),
      'pkcs12SecretStore.file',
    );
    expect(causeCode(error)).toBe('ERR_RS_PKCS12_FORMAT');
    expect(causeCode(error.cause as Error)).toBe('ERR_RS_ASN1_SHAPE');
  });
});
