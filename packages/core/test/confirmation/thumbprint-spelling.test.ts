// cnf x5t#S256 (and its x5t#SHA256 spelling) is compared exactly: the unpadded base64url of the
// certificate's SHA-256 digest (RFC 8705 §3.1), one string per certificate. Padding, a last character
// with its spare bits set, the standard alphabet, hex or a change of case are other strings, refused
// even where a lenient decoder would read the same digest out of them.
import { createTestPki, generateSigningKey, jwksOf, type TestPki, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type ResourceServer, staticJwks } from '../../src/index.js';
import { thumbprintDigest } from '../../src/mtls/certificate-thumbprint.js';
import { AUDIENCE, bearerRequest, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

let pki: TestPki;
let key: TestSigningKey;
let rs: ResourceServer;

beforeAll(async () => {
  pki = createTestPki();
  key = await generateSigningKey('ES256', 'k1');
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  rs = createResourceServer({ resolver, clock: () => NOW_MS });
});
afterAll(() => pki.cleanup());

/** The thumbprint with its last character's two spare bits set in each other way: the same digest bits. */
function spareBitVariants(thumbprint: string): string[] {
  const last = BASE64URL.indexOf(thumbprint.at(-1)!);
  return [1, 2, 3].map((spare) => `${thumbprint.slice(0, -1)}${BASE64URL[last + spare]}`);
}

/** Whether a token bound by `cnf` is accepted on a connection presenting `pki.client`. */
async function accepted(cnf: Record<string, unknown>): Promise<boolean> {
  const token = await mint(key, { cnf });
  const result = await rs.authenticate(bearerRequest(token, { clientCertificate: pki.client.der }));
  if (result.ok) return true;
  expect(['claim_invalid', 'certificate_mismatch']).toContain(result.rejection.code);
  return false;
}

describe('an x5t#S256 spelt other than as RFC 8705 writes it', () => {
  it('accepts the canonical thumbprint under either member name', async () => {
    expect(await accepted({ 'x5t#S256': pki.client.thumbprint })).toBe(true);
    expect(await accepted({ 'x5t#SHA256': pki.client.thumbprint })).toBe(true);
  });

  it('refuses it padded, or with the spare bits of its last character set, as claim_invalid', async () => {
    const thumbprint = pki.client.thumbprint;
    for (const value of [`${thumbprint}=`, `${thumbprint}==`, ...spareBitVariants(thumbprint)]) {
      for (const member of ['x5t#S256', 'x5t#SHA256']) {
        const token = await mint(key, { cnf: { [member]: value } });
        const rejection = expectRejected(
          await rs.authenticate(bearerRequest(token, { clientCertificate: pki.client.der })),
          'claim_invalid',
          401,
        );
        expect(rejection.description).toBe(
          'The access token "cnf" certificate thumbprint is not an unpadded base64url SHA-256',
        );
      }
    }
  });

  it('refuses the standard alphabet, hex, white space and a change of case', async () => {
    const digest = Buffer.from(pki.client.hex, 'hex');
    const swapped = [...pki.client.thumbprint]
      .map((c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()))
      .join('');
    for (const value of [
      digest.toString('base64'),
      // Unpadded, it is the canonical text itself unless the digest's text holds `-` or `_`.
      digest.toString('base64').replace(/=+$/, ''),
      pki.client.hex,
      pki.client.hex.toUpperCase(),
      ` ${pki.client.thumbprint}`,
      `${pki.client.thumbprint}\n`,
      swapped,
      pki.client.thumbprint.toUpperCase(),
      pki.client.thumbprint.toLowerCase(),
    ]) {
      if (value === pki.client.thumbprint) continue;
      expect(await accepted({ 'x5t#S256': value }), value).toBe(false);
    }
  });
});

describe('thumbprintDigest', () => {
  it('reads exactly the canonical spelling of a 32-byte digest', () => {
    // Bytes whose base64url holds both `-` and `_`, where the standard alphabet has `+` and `/`.
    const digest = new Uint8Array(32).fill(0xfb);
    digest[31] = 0xff;
    const canonical = Buffer.from(digest).toString('base64url');
    expect(canonical).toMatch(/[-_]/);
    expect(thumbprintDigest(canonical)).toEqual(digest);
    for (const other of [
      Buffer.from(digest).toString('base64'),
      Buffer.from(digest).toString('base64').replace(/=$/, ''),
      `${canonical}=`,
      ...spareBitVariants(canonical),
      Buffer.from(digest).toString('hex'),
      canonical.slice(0, -1),
      `${canonical}A`,
    ]) {
      expect(thumbprintDigest(other), other).toBeUndefined();
    }
    for (const notText of [undefined, null, 42, [canonical], { value: canonical }]) {
      expect(thumbprintDigest(notText)).toBeUndefined();
    }
  });

  it('reads every canonical last character, and no other', () => {
    for (const last of BASE64URL) {
      const value = `${'A'.repeat(42)}${last}`;
      expect(thumbprintDigest(value) !== undefined, value).toBe(BASE64URL.indexOf(last) % 4 === 0);
    }
  });
});
