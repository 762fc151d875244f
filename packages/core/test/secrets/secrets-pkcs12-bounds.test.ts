import { readFileSync } from 'node:fs';
import forge from 'node-forge';
import { describe, expect, it } from 'vitest';
import { MAX_DER_ELEMENTS } from '../../src/node/asn1-reader.js';
import { pkcs12SecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture, tempDirectory } from '../secrets-setup.js';

/** DER: a SEQUENCE (long-form length) holding `count` empty NULL elements, 2 bytes each. */
function sequenceOfNulls(count: number): Buffer {
  const body = Buffer.alloc(count * 2, Buffer.from([0x05, 0x00]));
  const length = Buffer.alloc(4);
  length.writeUInt32BE(body.length);
  return Buffer.concat([Buffer.from([0x30, 0x84]), length, body]);
}

function storeOver(bytes: Uint8Array, options: { maxFileBytes?: number; aliases?: string[] } = {}) {
  const directory = tempDirectory({ 'keystore.p12': bytes });
  return pkcs12SecretStore({
    file: `${directory}/keystore.p12`,
    storePassword: 'password',
    mappings: [{ secretId: 'sig', aliases: options.aliases ?? ['signature-key'] }],
    maxFileBytes: options.maxFileBytes,
  });
}

describe('pkcs12SecretStore: ASN.1 parsing is bounded by element count, not only by file size', () => {
  it('refuses a file of more ASN.1 elements than a keystore holds before node-forge builds its tree', () => {
    // 600 KB, under the 1 MiB default: node-forge would build some 300 000 objects (about 50 MB) for it,
    // and 80 times the file's size at any raised maxFileBytes.
    const bytes = sequenceOfNulls(MAX_DER_ELEMENTS + 1);
    expect(bytes.length).toBeLessThan(1024 * 1024);
    const error = expectConfigError(() => storeOver(bytes), 'pkcs12SecretStore.file');
    expect(error.message).toContain('keystore.p12');
    expect(error.message).toContain(`the file holds more than ${MAX_DER_ELEMENTS} ASN.1 elements`);
    expect((error.cause as { code?: string }).code).toBe('ERR_RS_PKCS12_FORMAT');
  });

  it('still reads up to the bound: a file just under it fails on its shape, not its size', () => {
    const error = expectConfigError(
      () => storeOver(sequenceOfNulls(MAX_DER_ELEMENTS - 1)),
      'pkcs12SecretStore.file',
    );
    expect(error.message).not.toContain('ASN.1 elements');
    expect(error.message).toContain('PFX version');
  });
});

describe('pkcs12SecretStore: the aliases listed for a missing one are shown as aliases are', () => {
  /** A PKCS#12 keystore (3DES, SHA-1 MAC, "password") made by node-forge, its key named `friendlyName`. */
  function keystoreNamed(friendlyName: string): Buffer {
    const key = forge.pki.privateKeyFromPem(readFileSync(fixture('rsa-signing.key.pem'), 'utf8'));
    const cert = forge.pki.certificateFromPem(readFileSync(fixture('rsa-signing.cert.pem'), 'utf8'));
    const asn1 = forge.pkcs12.toPkcs12Asn1(key, cert, 'password', { algorithm: '3des', friendlyName });
    return Buffer.from(forge.asn1.toDer(asn1).getBytes(), 'binary');
  }

  it('does not repeat a friendly name holding a line break (a forged log line) or key material', () => {
    const forged = 'sig\n[ERROR] forged log line MIIEvQIBADANBgkqhkiG9w0BAQEFAASC';
    const error = expectConfigError(
      () => storeOver(keystoreNamed(forged), { aliases: ['signature-key'] }),
      'pkcs12SecretStore.mappings',
    );
    expect(error.message).toContain('has no entry with alias "signature-key"');
    expect(error.message).not.toContain('\n');
    expect(error.message.toLowerCase()).not.toContain('forged log line');
    expect(error.message).toContain(`given (${forged.length} characters, not shown`);
  });

  it('names an ordinary alias quoted, so the one meant can be spotted', () => {
    const error = expectConfigError(
      () => storeOver(keystoreNamed('Signing-2025'), { aliases: ['signing-2024'] }),
      'pkcs12SecretStore.mappings',
    );
    expect(error.message).toContain('(aliases: "signing-2025")');
  });
});
