import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { CompactSign, compactVerify, importJWK, type JWK } from 'jose';
import { describe, expect, it } from 'vitest';
import { SUPPORTED_JWS_ALGORITHMS } from '../../src/keys/algorithms.js';
import { importVerificationKey } from '../../src/keys/verification-key-import.js';

// importVerificationKey calls WebCrypto itself, with the parameters jose's importJWK passes for a JWS
// algorithm, so that jose's JWE table stays out of Worker bundles. Shown here to make the very keys
// importJWK made (same algorithm, type, usages, extractability), that verify real signatures through
// jose's compactVerify, and to refuse every key importJWK refused for an algorithm.

interface KeyPair {
  readonly publicJwk: JWK;
  readonly privateJwk: JWK;
}

function keyPairFor(alg: string): KeyPair {
  const pair = (() => {
    if (alg.startsWith('RS') || alg.startsWith('PS'))
      return generateKeyPairSync('rsa', { modulusLength: 2048 });
    if (alg === 'ES256') return generateKeyPairSync('ec', { namedCurve: 'P-256' });
    if (alg === 'ES384') return generateKeyPairSync('ec', { namedCurve: 'P-384' });
    if (alg === 'ES512') return generateKeyPairSync('ec', { namedCurve: 'P-521' });
    return generateKeyPairSync('ed25519');
  })();
  return {
    publicJwk: pair.publicKey.export({ format: 'jwk' }) as JWK,
    privateJwk: pair.privateKey.export({ format: 'jwk' }) as JWK,
  };
}

function secretFor(alg: string): JWK {
  return { kty: 'oct', k: randomBytes(Number(alg.slice(2)) / 8).toString('base64url') };
}

/** What importJWK made of the same key material, the way importVerificationKey used it before. */
async function joseImport(jwk: JWK, alg: string): Promise<CryptoKey> {
  const material: JWK = {};
  for (const member of ['kty', 'crv', 'x', 'y', 'n', 'e', 'k'] as const) {
    if (jwk[member] !== undefined) material[member] = jwk[member];
  }
  const key = await importJWK(material, alg, { extractable: false });
  if (!(key instanceof Uint8Array)) return key;
  return crypto.subtle.importKey(
    'raw',
    key as Uint8Array<ArrayBuffer>,
    { name: 'HMAC', hash: `SHA-${alg.slice(2)}` },
    false,
    ['verify'],
  );
}

function described(key: CryptoKey) {
  return { algorithm: key.algorithm, type: key.type, usages: key.usages, extractable: key.extractable };
}

describe('importVerificationKey', () => {
  for (const alg of SUPPORTED_JWS_ALGORITHMS) {
    it(`imports the key jose's importJWK imports, and verifies with it: ${alg}`, async () => {
      const symmetric = alg.startsWith('HS');
      const secret = symmetric ? secretFor(alg) : undefined;
      const pair = symmetric ? undefined : keyPairFor(alg);
      const publicJwk = { ...(secret ?? pair!.publicJwk), kid: 'k1', use: 'sig', alg };
      const imported = await importVerificationKey(publicJwk, alg);
      expect(described(imported)).toEqual(described(await joseImport(publicJwk, alg)));

      const signingKey = await importJWK(secret ?? pair!.privateJwk, alg);
      const payload = new TextEncoder().encode('{"sub":"alice"}');
      const jws = await new CompactSign(payload).setProtectedHeader({ alg }).sign(signingKey);
      const verified = await compactVerify(jws, imported, { algorithms: [alg] });
      expect(new TextDecoder().decode(verified.payload)).toBe('{"sub":"alice"}');
    });
  }

  it('refuses a key of another type or curve than the algorithm, as importJWK or WebCrypto did', async () => {
    const rsa = keyPairFor('RS256').publicJwk;
    const p256 = keyPairFor('ES256').publicJwk;
    const ed25519 = keyPairFor('EdDSA').publicJwk;
    const x25519 = generateKeyPairSync('x25519').publicKey.export({ format: 'jwk' }) as JWK;
    const mismatched: [JWK, string][] = [
      [rsa, 'ES256'],
      [rsa, 'HS256'],
      [p256, 'ES384'],
      [p256, 'RS256'],
      [ed25519, 'ES256'],
      [x25519, 'EdDSA'],
      [{ kty: 'oct' }, 'HS256'],
      [rsa, 'none'],
    ];
    for (const [jwk, alg] of mismatched) {
      await expect(joseImport(jwk, alg), `${jwk.kty} ${alg} (importJWK)`).rejects.toThrow();
      await expect(importVerificationKey(jwk, alg), `${jwk.kty} ${alg}`).rejects.toThrow();
    }
  });

  // importJWK read no algorithm for an `oct` key (the HMAC import took its hash from the name), and took a
  // JWE algorithm for a key-management key. No caller asks for either (JWK sets ask only for algorithms the
  // key fits, sharedSecret only for HS*); both are refused now, as keys that can verify no JWS.
  it('refuses what importJWK imported for no JWS algorithm', async () => {
    await expect(importVerificationKey(secretFor('HS256'), 'RS256')).rejects.toThrow();
    await expect(importVerificationKey(keyPairFor('RS256').publicJwk, 'RSA-OAEP')).rejects.toThrow();
  });
});
