import { execFileSync } from 'node:child_process';
import { createPublicKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createTestPki, type TestPki } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pemSecretStore } from '../../src/node/index.js';
import { expectConfigError } from '../helpers.js';
import { fixture, fixturePublicKey, tempDirectory } from '../secrets-setup.js';

const OPTION = 'pemSecretStore.secrets';
const pem = (name: string) => readFileSync(fixture(name), 'utf8');
const RSA_KEY = pem('rsa-signing.key.pem');
const RSA_PUBLIC = pem('rsa-signing.pub.pem');
const RSA_CERTIFICATE = pem('rsa-signing.cert.pem');
const EC_KEY = pem('ec-p256.sec1.pem');
const EC_PUBLIC = pem('ec-p256.pub.pem');

let pki: TestPki;
beforeAll(() => {
  pki = createTestPki();
});
afterAll(() => pki.cleanup());

/** The key a PEM store reads from a file holding `content`. */
function keyOf(content: string) {
  const directory = tempDirectory({ 'key.pem': content });
  return pemSecretStore({ secrets: { id: `${directory}/key.pem` } }).keys!('id')![0]!;
}

/** The refusal of a file holding `content`: an RsConfigError naming the option and the file, no key material. */
function refusalOf(content: string): string {
  const directory = tempDirectory({ 'key.pem': content });
  const file = `${directory}/key.pem`;
  const { message } = expectConfigError(() => pemSecretStore({ secrets: { id: file } }), OPTION);
  expect(message).toContain(file);
  // No line of base64 from the file is repeated.
  for (const line of content.split('\n').filter((line) => /^[A-Za-z0-9+/=]{40,}$/.test(line)))
    expect(message).not.toContain(line.slice(0, 24));
  return message;
}

describe('a PEM file gives one key: a second, different key in it is refused', () => {
  it('refuses two different public keys, whichever comes first', () => {
    expect(refusalOf(EC_PUBLIC + RSA_PUBLIC)).toContain('holds several public keys');
    expect(refusalOf(RSA_PUBLIC + EC_PUBLIC)).toContain('holds several public keys');
    // Comparing keys of two types leaves nothing behind that would fail the next file's private key.
    expect(keyOf(RSA_KEY).jwk.d).toBeDefined();
    expect(refusalOf(pki.client.keyPem + RSA_CERTIFICATE)).toContain('not the one of its private key');
    expect(keyOf(RSA_KEY).jwk.d).toBeDefined();
  });

  it('refuses a private key beside the public key or certificate of another key', () => {
    expect(refusalOf(RSA_KEY + EC_PUBLIC)).toContain(
      'holds a public key that is not the one of its private key',
    );
    expect(refusalOf(EC_PUBLIC + RSA_KEY)).toContain(
      'holds a public key that is not the one of its private key',
    );
    expect(refusalOf(RSA_KEY + pki.other.pem)).toContain(
      'holds a certificate that is not the one of its private key',
    );
    expect(refusalOf(pki.client.pem + RSA_KEY)).toContain(
      'holds a certificate that is not the one of its private key',
    );
  });

  it('refuses a public key beside the certificate of another key', () => {
    expect(refusalOf(RSA_CERTIFICATE + EC_PUBLIC)).toContain(
      'holds a certificate that is not the one of its public key',
    );
  });

  it('refuses certificates of several keys that are not one chain', () => {
    // Two unrelated certificates, as two keys of a rotation pasted into one file.
    expect(refusalOf(RSA_CERTIFICATE + pki.other.pem)).toContain('holds certificates of several keys');
    // A chain in the wrong order would give the CA's key: the leaf comes first.
    expect(refusalOf(pki.ca.pem + pki.client.pem)).toContain('holds certificates of several keys');
    expect(refusalOf(pki.client.pem + pki.other.pem)).toContain('holds certificates of several keys');
    // A CA certificate with the name of the client certificate's issuer, but another key: no chain.
    const directory = tempDirectory();
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'ca.key',
      ].concat(['-out', 'ca.pem', '-days', '1', '-subj', '/CN=rs test CA']),
      { cwd: directory, stdio: 'ignore' },
    );
    const namesake = readFileSync(`${directory}/ca.pem`, 'utf8');
    expect(new X509Certificate(namesake).subject).toBe(new X509Certificate(pki.client.pem).issuer);
    expect(refusalOf(pki.client.pem + namesake)).toContain('holds certificates of several keys');
  });

  it('refuses a second certificate or public key that cannot be read, not only the first', () => {
    const broken = RSA_CERTIFICATE.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!');
    expect(refusalOf(RSA_CERTIFICATE + broken)).toContain('holds a certificate that cannot be read');
    const brokenPublic = RSA_PUBLIC.replace(/\n[A-Za-z0-9+/]{20}/, '\n!!!!!!!!!!!!!!!!!!!!');
    expect(refusalOf(RSA_KEY + brokenPublic)).toContain('holds a public key that cannot be read');
  });

  it('refuses a block of a kind of key it does not read, rather than passing it over', () => {
    const openssh =
      '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n';
    expect(refusalOf(openssh + RSA_PUBLIC)).toContain('holds a block labelled "OPENSSH PRIVATE KEY"');
    const trusted = RSA_CERTIFICATE.replace(/CERTIFICATE/g, 'TRUSTED CERTIFICATE');
    expect(refusalOf(RSA_PUBLIC + trusted)).toContain('holds a block labelled "TRUSTED CERTIFICATE"');
  });
});

describe('a PEM file holding one key in several forms is read', () => {
  const rsaN = () => fixturePublicKey('rsa-signing.pub.pem').export({ format: 'jwk' }).n;

  it('reads a private key with its own public key and certificate, in any order', () => {
    for (const content of [
      RSA_KEY + RSA_PUBLIC + RSA_CERTIFICATE,
      RSA_CERTIFICATE + RSA_KEY,
      RSA_PUBLIC + RSA_CERTIFICATE + RSA_KEY,
    ]) {
      const key = keyOf(content);
      expect(key.jwk.d).toBeDefined();
      expect(key.jwk.n).toBe(rsaN());
    }
  });

  it('reads the same public key given twice (SPKI and PKCS#1)', () => {
    const pkcs1 = createPublicKey(RSA_PUBLIC).export({ format: 'pem', type: 'pkcs1' }).toString();
    expect(pkcs1).toContain('RSA PUBLIC KEY');
    expect(keyOf(RSA_PUBLIC + pkcs1 + RSA_CERTIFICATE).jwk.n).toBe(rsaN());
  });

  it('reads a certificate chain as its leaf, alone or beside the leaf key', () => {
    const clientX = new X509Certificate(pki.client.pem).publicKey.export({ format: 'jwk' }).x;
    expect(keyOf(pki.client.pem + pki.ca.pem).jwk.x).toBe(clientX);
    const withKey = keyOf(pki.client.keyPem + pki.client.pem + pki.ca.pem);
    expect(withKey.jwk.x).toBe(clientX);
    expect(withKey.jwk.d).toBeDefined();
    // The leaf's key needs not come first when the private key says which it is.
    expect(keyOf(pki.ca.pem + pki.client.pem + pki.client.keyPem).jwk.x).toBe(clientX);
  });

  it('passes over blocks that hold no key, as the EC PARAMETERS of `openssl ecparam -genkey`', () => {
    const parameters = '-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n';
    expect(keyOf(parameters + EC_KEY).jwk.d).toBeDefined();
  });
});
