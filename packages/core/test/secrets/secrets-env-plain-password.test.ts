import { describe, expect, it } from 'vitest';
import { envSecretStore } from '../../src/index.js';
import { pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture } from '../secrets-setup.js';

function keystoreWithPasswordFrom(env: Record<string, string>) {
  return pkcs12SecretStore({
    file: fixture('openssl.p12'),
    storePassword: { store: envSecretStore({ env }), secretId: 'keystore.secret.id' },
    mappings: [{ secretId: 'sig', aliases: ['signature-key'] }],
  });
}

describe('envSecretStore: a password written as plain text where base64 is read', () => {
  it('says the value may be plain text read as base64, naming the option, never the value', () => {
    // "password" is valid base64 and decodes to 6 bytes that are no UTF-8 text.
    const error = expectConfigError(
      () => keystoreWithPasswordFrom({ KEYSTORE_SECRET_ID: 'password' }),
      'pkcs12SecretStore.storePassword',
    );
    expect(error.message).toContain('"keystore.secret.id" from envSecretStore is not UTF-8 text');
    expect(error.message).toContain("format: 'plain'");
    expect(error.message).not.toContain('"password"');
  });

  it('reads the same password base64-encoded, as ForgeRock Identity Gateway documents it', () => {
    const store = keystoreWithPasswordFrom({ KEYSTORE_SECRET_ID: 'cGFzc3dvcmQ=' });
    expect(store.keys?.('sig')).toHaveLength(1);
  });
});
