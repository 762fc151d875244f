// Key material of every kind a user may paste where an HMAC secret goes, made by node:crypto (and by
// OpenSSL, for the fixture certificate and PKCS #12 file), for the tests that it is refused.
import { generateKeyPairSync, type KeyObject, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { expect } from 'vitest';
import { RsConfigError } from '../../src/index.js';
import { fixture } from '../secrets-setup.js';

/** Key material of other kinds, as node:crypto (and OpenSSL, for the fixture certificate) write it. */
export interface ForeignMaterial {
  readonly label: string;
  readonly bytes: Uint8Array;
  /** The tool the message must point at. */
  readonly tool: 'pemSecretStore' | 'staticJwks';
}

const utf8 = (text: string) => new TextEncoder().encode(text);
const der = (buffer: Buffer) => new Uint8Array(buffer);

/** An OpenSSH public key blob (RFC 4253 §6.6): length-prefixed strings and integers. */
function sshBlob(type: string, ...fields: Uint8Array[]): Uint8Array {
  const parts = [utf8(type), ...fields].flatMap((field) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(field.byteLength);
    return [length, Buffer.from(field)];
  });
  return new Uint8Array(Buffer.concat(parts));
}

/** An SSH mpint: big-endian, with a zero byte before a leading byte whose top bit is set. */
function mpint(base64urlInteger: string): Uint8Array {
  const bytes = Buffer.from(base64urlInteger, 'base64url');
  return new Uint8Array(bytes[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), bytes]) : bytes);
}

/** Every kind of key material refused, in the forms a user may paste it in. */
export function foreignMaterials(): ForeignMaterial[] {
  const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const ec = Object.fromEntries(
    ['P-256', 'P-384', 'P-521'].map((curve) => [curve, generateKeyPairSync('ec', { namedCurve: curve })]),
  );
  const ed25519 = generateKeyPairSync('ed25519');
  const x25519 = generateKeyPairSync('x25519');
  const ed448 = generateKeyPairSync('ed448');
  const certificate = new X509Certificate(readFileSync(fixture('rsa-signing.cert.pem')));
  const rsaJwk = rsa.publicKey.export({ format: 'jwk' });
  const edJwk = ed25519.publicKey.export({ format: 'jwk' });
  const sshEd25519 = sshBlob('ssh-ed25519', Buffer.from(edJwk.x!, 'base64url'));
  const sshRsa = sshBlob('ssh-rsa', mpint(rsaJwk.e!), mpint(rsaJwk.n!));
  const pem = (label: string, key: KeyObject, type: 'spki' | 'pkcs1' | 'pkcs8' | 'sec1') =>
    ({ label, bytes: utf8(key.export({ type, format: 'pem' }) as string), tool: 'pemSecretStore' }) as const;
  const binary = (label: string, bytes: Uint8Array) => ({ label, bytes, tool: 'pemSecretStore' }) as const;
  const json = (label: string, value: unknown) =>
    ({ label, bytes: utf8(JSON.stringify(value, null, 2)), tool: 'staticJwks' }) as const;
  const keyDer = (key: KeyObject, type: 'spki' | 'pkcs1' | 'pkcs8' | 'sec1') =>
    der(key.export({ type, format: 'der' }));
  const raw: ForeignMaterial[] = [
    pem('an RSA public key (SPKI PEM)', rsa.publicKey, 'spki'),
    pem('an RSA public key (PKCS #1 PEM)', rsa.publicKey, 'pkcs1'),
    pem('an RSA private key (PKCS #8 PEM)', rsa.privateKey, 'pkcs8'),
    pem('an RSA private key (PKCS #1 PEM)', rsa.privateKey, 'pkcs1'),
    pem('an EC P-256 public key (SPKI PEM)', ec['P-256']!.publicKey, 'spki'),
    pem('an EC P-256 private key (SEC1 PEM)', ec['P-256']!.privateKey, 'sec1'),
    pem('an Ed25519 public key (SPKI PEM)', ed25519.publicKey, 'spki'),
    { label: 'a certificate (PEM)', bytes: utf8(certificate.toString()), tool: 'pemSecretStore' },
    binary('an RSA public key (SPKI DER)', keyDer(rsa.publicKey, 'spki')),
    binary('an RSA public key (PKCS #1 DER)', keyDer(rsa.publicKey, 'pkcs1')),
    binary('an RSA private key (PKCS #1 DER)', keyDer(rsa.privateKey, 'pkcs1')),
    binary('an RSA private key (PKCS #8 DER)', keyDer(rsa.privateKey, 'pkcs8')),
    binary(
      'an encrypted RSA private key (PKCS #8 DER)',
      der(
        rsa.privateKey.export({
          type: 'pkcs8',
          format: 'der',
          cipher: 'aes-256-cbc',
          passphrase: 'changeit',
        }),
      ),
    ),
    ...['P-256', 'P-384', 'P-521'].flatMap((curve) => [
      binary(`an EC ${curve} public key (SPKI DER)`, keyDer(ec[curve]!.publicKey, 'spki')),
      binary(`an EC ${curve} private key (SEC1 DER)`, keyDer(ec[curve]!.privateKey, 'sec1')),
      binary(`an EC ${curve} private key (PKCS #8 DER)`, keyDer(ec[curve]!.privateKey, 'pkcs8')),
    ]),
    binary('an Ed25519 public key (SPKI DER)', keyDer(ed25519.publicKey, 'spki')),
    binary('an Ed25519 private key (PKCS #8 DER)', keyDer(ed25519.privateKey, 'pkcs8')),
    binary('an X25519 public key (SPKI DER)', keyDer(x25519.publicKey, 'spki')),
    binary('an Ed448 public key (SPKI DER)', keyDer(ed448.publicKey, 'spki')),
    binary('a certificate (DER)', new Uint8Array(certificate.raw)),
    binary('a PKCS #12 file', new Uint8Array(readFileSync(fixture('openssl.p12')))),
    binary('an OpenSSH Ed25519 public key blob', sshEd25519),
    {
      label: 'an OpenSSH Ed25519 public key line',
      bytes: utf8(`ssh-ed25519 ${Buffer.from(sshEd25519).toString('base64')} ops@example.com\n`),
      tool: 'pemSecretStore',
    },
    {
      label: 'an OpenSSH RSA public key line',
      bytes: utf8(`ssh-rsa ${Buffer.from(sshRsa).toString('base64')}`),
      tool: 'pemSecretStore',
    },
    json('the JSON text of an RSA public JWK', rsaJwk),
    json('the JSON text of an Ed25519 public JWK', edJwk),
    json('the JSON text of a JWK set', { keys: [{ ...rsaJwk, kid: 'rs-1', use: 'sig' }] }),
    json('the JSON text of a list of JWKs', [rsaJwk]),
    json('a JWK nested in a JSON document', { jwk: rsaJwk }),
    json('a JWK set deep in a JSON document', {
      auth: { issuer: 'https://as.example', jwks: { keys: [edJwk] } },
    }),
    {
      label: 'an RSA public JWK written as a JavaScript object',
      bytes: utf8(`{kty:'RSA',n:'${rsaJwk.n}',e:'${rsaJwk.e}'}`),
      tool: 'staticJwks',
    },
    {
      label: 'an Ed25519 public JWK written as YAML',
      bytes: utf8(`kty: OKP\ncrv: Ed25519\nx: ${edJwk.x}\n`),
      tool: 'staticJwks',
    },
    {
      // As an authorization server's realm document publishes it: base64 DER, no PEM markers.
      label: 'a JSON document holding a public key in base64',
      bytes: utf8(JSON.stringify({ realm: 'api', public_key: keyDerBase64(rsa.publicKey) })),
      tool: 'pemSecretStore',
    },
  ];
  // The same material once more as text: base64 wrapped like a PEM body (its markers lost), base64url, hex;
  // and in the shapes environment variables and hand-written configuration give it.
  const encoded = raw.flatMap((material) => {
    const buffer = Buffer.from(material.bytes);
    const base64 = wrap(buffer.toString('base64'));
    const forms = [
      { ...material, label: `${material.label}, in base64`, bytes: utf8(base64) },
      { ...material, label: `${material.label}, in base64url`, bytes: utf8(buffer.toString('base64url')) },
      { ...material, label: `${material.label}, in hex`, bytes: utf8(buffer.toString('hex')) },
      { ...material, label: `${material.label}, in 0x hex`, bytes: utf8(`0x${buffer.toString('hex')}`) },
      {
        ...material,
        label: `${material.label}, in base64 of its base64`,
        bytes: utf8(Buffer.from(base64).toString('base64')),
      },
      {
        // One line of an environment file: literal `\n` escapes, and the quotes a tool may keep.
        ...material,
        label: `${material.label}, in base64 with literal \\n escapes, quoted`,
        bytes: utf8(`"${base64.trimEnd().replaceAll('\n', '\\n')}"`),
      },
    ];
    // Text once more as a JSON string (a PEM with `\n` escapes, a JWK's JSON encoded twice).
    const text = buffer.toString('latin1');
    if (/^[\t\n\r -~]*$/.test(text)) {
      forms.push({
        ...material,
        label: `${material.label}, as a JSON string`,
        bytes: utf8(JSON.stringify(text)),
      });
    }
    return forms;
  });
  return [...raw, ...encoded];
}

function keyDerBase64(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'der' }).toString('base64');
}

function wrap(text: string): string {
  return `${text.replace(/(.{64})/g, '$1\n')}\n`;
}

/** Asserts the message never repeats the material: no run of 12 characters of its text or base64. */
export function expectNotEchoed(message: string, material: Uint8Array): void {
  const forms = [
    Buffer.from(material).toString('latin1'),
    Buffer.from(material).toString('base64'),
    Buffer.from(material).toString('base64url'),
    Buffer.from(material).toString('hex'),
  ];
  for (const form of forms) {
    // Skip the PEM marker lines: "-----BEGIN " itself is not the material.
    const body = form.replace(/-----[A-Z0-9 ]+-----/g, '');
    for (let at = 0; at + 12 <= body.length; at += 6) {
      const run = body.slice(at, at + 12);
      if (/^[\s-]*$/.test(run) || /^[ -~]*$/.test(run) === false) continue;
      expect(message).not.toContain(run);
    }
  }
}

/**
 * Runs `build`, asserting an RsConfigError naming `option` (the `label` says which material failed), and
 * returns it.
 */
export function refusal(build: () => unknown, option: string, label: string): RsConfigError {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, `${label}: not refused`).toBeInstanceOf(RsConfigError);
  const error = thrown as RsConfigError;
  expect(error.option, label).toBe(option);
  return error;
}

/** The tool a refusal of `material` must point at, as the message writes it. */
export function toolNamed(material: ForeignMaterial): string {
  return material.tool === 'staticJwks' ? 'staticJwks(' : 'pemSecretStore(…) of @rs/core/node';
}
