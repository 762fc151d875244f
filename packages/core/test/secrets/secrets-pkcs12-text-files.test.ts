import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture, tempDirectory } from '../secrets-setup.js';

function storeOver(content: string | Uint8Array) {
  const directory = tempDirectory({ 'keystore.p12': content });
  return pkcs12SecretStore({
    file: `${directory}/keystore.p12`,
    storePassword: 'password',
    mappings: [{ secretId: 'sig', aliases: ['signature-key'] }],
  });
}

describe('pkcs12SecretStore: text given where the keystore file belongs is named for what it is', () => {
  it('says a base64 keystore (a Kubernetes manifest value) must be decoded, without repeating it', () => {
    const base64 = readFileSync(fixture('openssl.p12')).toString('base64');
    for (const text of [base64, `${base64.replace(/(.{76})/g, '$1\n')}\n`]) {
      const error = expectConfigError(() => storeOver(text), 'pkcs12SecretStore.file');
      expect(error.message).toContain('keystore.p12 holds base64 text, not a PKCS#12 keystore');
      expect(error.message).toContain('base64 -d');
      expect(error.message).not.toContain(base64.slice(0, 32));
    }
  });

  it('says a PEM file belongs in pemSecretStore, without repeating it', () => {
    const pem = readFileSync(fixture('rsa-signing.key.pem'), 'utf8');
    const error = expectConfigError(() => storeOver(pem), 'pkcs12SecretStore.file');
    expect(error.message).toContain('keystore.p12 holds PEM text, not a PKCS#12 keystore');
    expect(error.message).toContain('pemSecretStore');
    expect(error.message).not.toContain('PRIVATE KEY');
  });

  it('still reads the keystore itself, and calls other bytes unreadable', () => {
    expect(storeOver(readFileSync(fixture('openssl.p12'))).name).toContain('keystore.p12');
    const error = expectConfigError(() => storeOver('\n\n'), 'pkcs12SecretStore.file');
    expect(error.message).toContain('not a readable PKCS#12 keystore');
  });
});
