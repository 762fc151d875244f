import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture, fixturePrivateKey, providerOf, sign, tempDirectory, verifyWith } from '../secrets-setup.js';

type Asn1 = forge.asn1.Asn1;

const ENCRYPTED_DATA = '1.2.840.113549.1.7.6';
// Reading a keystore derives keys in pure JavaScript for the MAC: a slow shared host needs more than
// vitest's 5 s for the 1 000 000-iteration fixture.
const SLOW = { timeout: 60_000 };

/** The child `index` of each constructed node along `path`. */
function at(node: Asn1, ...path: number[]): Asn1 {
  return path.reduce((parent, index) => (parent.value as Asn1[])[index]!, node);
}

/**
 * A fixture keystore taken apart as a writer holds it: the PFX, the OCTET STRING that carries the
 * AuthenticatedSafe, and that safe's ContentInfos.
 */
function takeApart(file: string) {
  const pfx = forge.asn1.fromDer(readFileSync(fixture(file)).toString('binary'));
  const carrier = at(pfx, 1, 1, 0); // PFX.authSafe: ContentInfo { data, [0] EXPLICIT OCTET STRING }
  const authSafe = forge.asn1.fromDer(carrier.value as string);
  const contentInfos = authSafe.value as Asn1[];
  const isEncrypted = (info: Asn1) => forge.asn1.derToOid(at(info, 0).value as string) === ENCRYPTED_DATA;
  return { pfx, carrier, authSafe, contentInfos, isEncrypted };
}

/**
 * Writes `authSafe` back into the PFX and signs it with a fresh MAC under `password`, the SHA-256 MAC of
 * OpenSSL 3 with its salt and iterations: what anyone who knows the store password can write.
 */
function reassembled({ pfx, carrier, authSafe }: ReturnType<typeof takeApart>, password: string): Buffer {
  const content = forge.asn1.toDer(authSafe).getBytes();
  carrier.value = content;
  const salt = forge.util.createBuffer(at(pfx, 2, 1).value as string);
  const iterations = forge.asn1.derToInteger(at(pfx, 2, 2).value as string);
  const md = forge.md.sha256.create();
  const key = forge.pkcs12.generateKey(password, salt, 3, iterations, md.digestLength, md).getBytes();
  at(pfx, 2, 0, 1).value = createHmac('sha256', Buffer.from(key, 'binary'))
    .update(Buffer.from(content, 'binary'))
    .digest()
    .toString('binary');
  return Buffer.from(forge.asn1.toDer(pfx).getBytes(), 'binary');
}

function storeOver(bytes: Uint8Array, storePassword: string, aliases = ['signature-key']) {
  const directory = tempDirectory({ 'keystore.p12': bytes });
  return pkcs12SecretStore({
    file: `${directory}/keystore.p12`,
    storePassword,
    mappings: aliases.map((alias, index) => ({ secretId: `id-${index}`, aliases: [alias] })),
  });
}

describe('pkcs12SecretStore: a keystore must carry a MAC', () => {
  it('refuses an openssl -nomac keystore with any store password: without a MAC the password checks nothing', () => {
    for (const storePassword of ['password', 'wrong']) {
      const error = expectConfigError(
        () =>
          pkcs12SecretStore({
            file: fixture('openssl-nomac.p12'),
            storePassword,
            mappings: [{ secretId: 'sig', aliases: ['signature-key'] }],
          }),
        'pkcs12SecretStore.file',
      );
      expect(error.message).toContain(fixture('openssl-nomac.p12'));
      expect(error.message).toContain('no MAC');
      expect(error.message).toContain('integrity');
    }
  });

  it('refuses an encrypted keystore whose MAC was cut off, even with the right password', () => {
    const parts = takeApart('openssl.p12');
    parts.pfx.value = (parts.pfx.value as Asn1[]).slice(0, 2);
    const bytes = Buffer.from(forge.asn1.toDer(parts.pfx).getBytes(), 'binary');
    const error = expectConfigError(() => storeOver(bytes, 'password'), 'pkcs12SecretStore.file');
    expect(error.message).toContain('no MAC');
  });
});

describe('pkcs12SecretStore: the key-derivation work of a file is bounded', () => {
  it(
    'reads an openssl -iter 1000000 keystore: the per-derivation limit, 3 000 000 iterations in all',
    SLOW,
    async () => {
      const store = pkcs12SecretStore({
        file: fixture('openssl-iter-1000000.p12'),
        storePassword: 'password',
        mappings: [{ secretId: 'sig', aliases: ['signature-key'] }],
      });
      const signed = await sign(fixturePrivateKey('rsa-signing.key.pem'), { alg: 'RS256' });
      const provider = providerOf(store);
      expect(
        await verifyWith(provider.verificationKeys('sig', 'jwtResolver.verificationSecretId'), signed),
      ).toContain('demo');
    },
  );

  it('refuses more encrypted SafeContents than a writer makes, before decrypting any', () => {
    // Each copy decrypts with the store password and the MAC is re-made: only the count is wrong.
    const parts = takeApart('openssl.p12');
    const encrypted = parts.contentInfos.find(parts.isEncrypted)!;
    parts.authSafe.value = [
      ...Array(17).fill(encrypted),
      ...parts.contentInfos.filter((info) => !parts.isEncrypted(info)),
    ];
    const error = expectConfigError(
      () => storeOver(reassembled(parts, 'password'), 'password'),
      'pkcs12SecretStore.file',
    );
    expect(error.message).toContain('17 encrypted SafeContents');
    expect(error.message).toContain('at most 16');
  });

  it('refuses encrypted SafeContents that would cost more iterations than a file may, before deriving any key', () => {
    // Five blocks of 1 000 000 iterations (each within the per-derivation limit) and the MAC's 2 048: over
    // the 5 000 000 a file may cost. The iteration counts are rewritten without re-encrypting, so had
    // any key been derived the store would have failed on the password instead.
    const parts = takeApart('openssl.p12');
    const encrypted = parts.contentInfos.find(parts.isEncrypted)!;
    // EncryptedData → EncryptedContentInfo → PBES2 AlgorithmIdentifier → PBKDF2 parameters → iterations
    at(encrypted, 1, 0, 1, 1, 1, 0, 1, 1).value = forge.asn1.integerToDer(1_000_000).getBytes();
    parts.authSafe.value = [
      ...Array(5).fill(encrypted),
      ...parts.contentInfos.filter((info) => !parts.isEncrypted(info)),
    ];
    const error = expectConfigError(
      () => storeOver(reassembled(parts, 'password'), 'password'),
      'pkcs12SecretStore.file',
    );
    expect(error.message).toContain('key-derivation iterations in all');
    expect(error.message).toContain('at most 5000000');
    expect(error.message).not.toContain('password is wrong');
  });

  it(
    'charges every opened entry to the same budget: the 1 000 000-iteration key opened four times is refused',
    SLOW,
    () => {
      // The MAC and the certificates cost 2 000 000; three openings of the key bring it to 5 000 000,
      // the fourth would go over.
      const bytes = readFileSync(fixture('openssl-iter-1000000.p12'));
      const aliases = ['signature-key', 'signature-key', 'SIGNATURE-KEY', 'Signature-Key'];
      const error = expectConfigError(() => storeOver(bytes, 'password', aliases), 'pkcs12SecretStore.file');
      expect(error.message).toContain('alias "Signature-Key"');
      expect(error.message).toContain('key-derivation iterations in all');
    },
  );
});
