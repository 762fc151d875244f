import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { pemSecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture, tempDirectory } from '../secrets-setup.js';

type Asn1 = forge.asn1.Asn1;
const { asn1 } = forge;
const SCRYPT = '1.3.6.1.4.1.11591.4.11';

/**
 * The fixture's `ENCRYPTED PRIVATE KEY` (PBES2, PBKDF2 with 2 048 iterations, "pem-password") with its
 * key-derivation function changed by `change`: what anyone who can write the file can do, no password
 * needed. The key then no longer decrypts; what matters is the work asked before that shows.
 */
function encryptedKeyWith(change: (kdf: Asn1) => void): string {
  const pem = forge.pem.decode(readFileSync(fixture('rsa-signing.encrypted.pem'), 'utf8'))[0]!;
  const info = asn1.fromDer(pem.body);
  // EncryptedPrivateKeyInfo { AlgorithmIdentifier { PBES2, { keyDerivationFunc, encryptionScheme } }, … }
  const pbes2Params = (info.value as Asn1[])[0]!.value as Asn1[];
  change((pbes2Params[1]!.value as Asn1[])[0]!);
  return forge.pem.encode({ type: 'ENCRYPTED PRIVATE KEY', body: asn1.toDer(info).getBytes() });
}

const integer = (value: number) =>
  asn1.create(asn1.Class.UNIVERSAL, asn1.Type.INTEGER, false, asn1.integerToDer(value).getBytes());

function storeOver(pem: string) {
  const directory = tempDirectory({ 'key.pem': pem });
  return pemSecretStore({ secrets: { sig: { file: `${directory}/key.pem`, password: 'pem-password' } } });
}

describe('pemSecretStore: the key derivation of an encrypted private key is bounded before OpenSSL runs it', () => {
  it('refuses PBKDF2 iterations over 1 000 000 (OpenSSL writes 2 048), naming the file', () => {
    // 2^31 iterations would hold start-up for half an hour, wrong password or not; this count is just
    // over the limit, so that the old code took a second, not an hour, to fail this test.
    const pem = encryptedKeyWith((kdf) => {
      ((kdf.value as Asn1[])[1]!.value as Asn1[])[1] = integer(1_500_000);
    });
    const error = expectConfigError(() => storeOver(pem), 'pemSecretStore.secrets');
    expect(error.message).toContain('key.pem holds an encrypted private key');
    expect(error.message).toContain('asks for 1500000 iterations (at most 1000000');
  });

  it('refuses scrypt parameters whose work N × r × p is over 32 times what OpenSSL writes', () => {
    const pem = encryptedKeyWith((kdf) => {
      const salt = ((kdf.value as Asn1[])[1]!.value as Asn1[])[0]!;
      kdf.value = [
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.OID, false, asn1.oidToDer(SCRYPT).getBytes()),
        asn1.create(asn1.Class.UNIVERSAL, asn1.Type.SEQUENCE, true, [
          salt,
          integer(16384),
          integer(8),
          integer(64),
        ]),
      ];
    });
    const error = expectConfigError(() => storeOver(pem), 'pemSecretStore.secrets');
    expect(error.message).toContain('scrypt parameters ask for N × r × p = 8388608');
  });

  it('refuses an encrypted key whose parameters cannot be read, and reads the fixture as before', () => {
    const broken = encryptedKeyWith((kdf) => {
      kdf.value = [(kdf.value as Asn1[])[0]!];
    });
    const error = expectConfigError(() => storeOver(broken), 'pemSecretStore.secrets');
    expect(error.message).toContain('encryption parameters cannot be read');
    expect(storeOver(readFileSync(fixture('rsa-signing.encrypted.pem'), 'utf8')).keys?.('sig')).toHaveLength(
      1,
    );
  });
});
