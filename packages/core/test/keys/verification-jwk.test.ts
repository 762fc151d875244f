import { generateSigningKey, type JwksServer, startJwksServer, type TestSigningKey } from '@rs/testkit';
import { base64url, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type JwkSetError, jwtResolver, remoteJwks, staticJwks } from '../../src/index.js';
import { JwkIndex } from '../../src/keys/jwk-index.js';
import { checkVerificationJwk } from '../../src/keys/verification-jwk.js';
import {
  AUDIENCE,
  expectFailure,
  hmacKey,
  ISSUER,
  NOW_S,
  randomBytes,
  resolveAt,
  weakRsaKeyPair,
} from '../helpers.js';

let rsa: TestSigningKey;
let p256: TestSigningKey;
let p384: TestSigningKey;
let p521: TestSigningKey;
let ed25519: TestSigningKey;

beforeAll(async () => {
  [rsa, p256, p384, p521, ed25519] = await Promise.all([
    generateSigningKey('RS256', 'rsa'),
    generateSigningKey('ES256', 'p256'),
    generateSigningKey('ES384', 'p384'),
    generateSigningKey('ES512', 'p521'),
    generateSigningKey('EdDSA', 'ed25519'),
  ]);
});

const servers: JwksServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const publicOnly = { allowSymmetric: false };

function reasonOf(jwk: unknown, options = publicOnly): string {
  const check = checkVerificationJwk(jwk, options);
  if (check.usable) throw new Error('expected the key to be unusable');
  expect(check.broken).toBe(true);
  return check.reason;
}

/** The coordinate as a big-endian integer, changed by `delta`, back to full-length base64url. */
function shifted(coordinate: string, delta: bigint): string {
  const bytes = base64url.decode(coordinate);
  let value = BigInt(`0x${Buffer.from(bytes).toString('hex')}`) + delta;
  const out = new Uint8Array(bytes.length);
  for (let i = out.length - 1; i >= 0; i--) {
    out[i] = Number(value & 0xffn);
    value >>= 8n;
  }
  return base64url.encode(out);
}

const P256_PRIME = 2n ** 256n - 2n ** 224n + 2n ** 192n + 2n ** 96n - 1n;

describe('checkVerificationJwk: keys that verify', () => {
  it('accepts real RSA, P-256, P-384, P-521 and Ed25519 public keys', () => {
    for (const key of [rsa, p256, p384, p521, ed25519]) {
      expect(checkVerificationJwk(key.publicJwk, publicOnly)).toEqual({ usable: true });
    }
  });

  it('accepts the mirror point (x, p − y), which is on the curve too', () => {
    const y = BigInt(`0x${Buffer.from(base64url.decode(p256.publicJwk.y!)).toString('hex')}`);
    const mirrored = shifted(p256.publicJwk.y!, P256_PRIME - 2n * y);
    expect(checkVerificationJwk({ ...p256.publicJwk, y: mirrored }, publicOnly)).toEqual({ usable: true });
  });

  it('accepts RSA exponents 3 and 65537, and an oct key only where secrets are allowed', async () => {
    expect(checkVerificationJwk({ ...rsa.publicJwk, e: 'Aw' }, publicOnly).usable).toBe(true);
    expect(checkVerificationJwk({ ...rsa.publicJwk, e: 'AQAB' }, publicOnly).usable).toBe(true);
    const oct = (await hmacKey(randomBytes(32))).publicJwk;
    expect(checkVerificationJwk(oct, { allowSymmetric: true }).usable).toBe(true);
    expect(reasonOf(oct)).toContain('symmetric');
  });
});

describe('checkVerificationJwk: broken keys, reported', () => {
  it('refuses an RSA public exponent below 3 or even, whatever the modulus', () => {
    for (const e of ['AQ', 'Ag', 'BA', 'AQAA', 'AA', '']) {
      expect(reasonOf({ ...rsa.publicJwk, e }), `e=${e}`).toMatch(/exponent|"e"/);
    }
  });

  it('refuses RSA moduli under 2048 bits and over 16384, and missing or malformed n and e', async () => {
    const { publicKey } = await weakRsaKeyPair();
    const short = await exportJWK(publicKey);
    expect(reasonOf(short)).toContain('1024 bits');
    expect(reasonOf({ ...rsa.publicJwk, n: base64url.encode(randomBytes(2049)) })).toMatch(/n"|over 16384/);
    const { n: _n, ...withoutN } = rsa.publicJwk;
    expect(reasonOf(withoutN)).toContain('"n"');
    const { e: _e, ...withoutE } = rsa.publicJwk;
    expect(reasonOf(withoutE)).toContain('"e"');
    expect(reasonOf({ ...rsa.publicJwk, n: `${rsa.publicJwk.n}=` })).toContain('"n"');
    expect(reasonOf({ ...rsa.publicJwk, n: 42 })).toContain('"n"');
    expect(reasonOf({ ...rsa.publicJwk, e: rsa.publicJwk.n })).toContain('not below the modulus');
  });

  it('refuses an EC point that is not on its curve, for every curve', () => {
    for (const key of [p256, p384, p521]) {
      const jwk = key.publicJwk;
      expect(reasonOf({ ...jwk, y: shifted(jwk.y!, 1n) })).toContain(`not on ${jwk.crv}`);
      expect(reasonOf({ ...jwk, y: jwk.x })).toContain(`not on ${jwk.crv}`);
    }
    // A coordinate at or past the prime names no point, even if it would satisfy the equation mod p.
    const x = base64url.encode(new Uint8Array(32).fill(0xff));
    expect(reasonOf({ ...p256.publicJwk, x })).toContain('not on P-256');
  });

  it('refuses EC coordinates that are not full length, and missing curves or members', () => {
    const jwk = p256.publicJwk;
    expect(reasonOf({ ...jwk, x: base64url.encode(base64url.decode(jwk.x!).slice(1)) })).toContain('32-byte');
    expect(reasonOf({ ...jwk, y: undefined })).toContain('32-byte');
    expect(reasonOf({ ...jwk, crv: undefined })).toContain('crv');
    expect(reasonOf({ ...jwk, crv: 'P-257' })).toContain('crv');
    expect(reasonOf({ ...ed25519.publicJwk, x: base64url.encode(randomBytes(31)) })).toContain('32-byte');
  });

  it('refuses unknown key types, published private keys and secrets, and wrong member types', async () => {
    expect(reasonOf({ kty: 'nonsense' })).toContain('kty');
    expect(reasonOf({ n: rsa.publicJwk.n, e: 'AQAB' })).toContain('kty');
    expect(reasonOf('a string')).toContain('object');
    expect(reasonOf(null)).toContain('object');
    const { privateKey } = await generateKeyPair('ES256', { extractable: true });
    expect(reasonOf({ ...(await exportJWK(privateKey)), kid: 'leaked' })).toContain('private key');
    for (const member of ['p', 'q', 'dp', 'dq', 'qi', 'oth']) {
      expect(reasonOf({ ...rsa.publicJwk, [member]: 'AQAB' })).toContain('private key');
    }
    expect(reasonOf({ ...rsa.publicJwk, kid: 7 })).toContain('kid');
    expect(reasonOf({ ...rsa.publicJwk, use: 1 })).toContain('use');
    expect(reasonOf({ ...rsa.publicJwk, key_ops: 'verify' })).toContain('key_ops');
    expect(reasonOf({ ...rsa.publicJwk, alg: 'ES256' })).toContain('does not fit');
    expect(reasonOf({ ...p256.publicJwk, alg: 'ES384' })).toContain('does not fit');
  });
});

describe('checkVerificationJwk: keys for something else, left out quietly', () => {
  it('does not count encryption keys and curves @rs does not verify with as broken', () => {
    for (const jwk of [
      { ...rsa.publicJwk, use: 'enc' },
      { ...rsa.publicJwk, use: undefined, key_ops: ['encrypt'] },
      { ...rsa.publicJwk, use: undefined, alg: 'RSA-OAEP-256' },
      { kty: 'OKP', crv: 'X25519', x: base64url.encode(randomBytes(32)) },
      { kty: 'OKP', crv: 'Ed448', x: base64url.encode(randomBytes(57)) },
      { kty: 'EC', crv: 'secp256k1', x: p256.publicJwk.x, y: p256.publicJwk.y },
    ]) {
      const check = checkVerificationJwk(jwk, publicOnly);
      expect(check.usable).toBe(false);
      expect(check.usable === false && check.broken, JSON.stringify(jwk)).toBe(false);
    }
  });

  it('lists only broken keys in a JwkIndex, labelled by kid or position', () => {
    const longKid = 'k'.repeat(500);
    const index = new JwkIndex(
      {
        keys: [
          rsa.publicJwk,
          { ...rsa.publicJwk, use: 'enc', kid: 'enc' },
          { kty: 'nonsense' },
          { ...p256.publicJwk, kid: longKid, y: p256.publicJwk.x },
        ],
      },
      publicOnly,
    );
    expect(index.size).toBe(1);
    expect(index.unusable).toEqual([
      { key: '#2', reason: 'unknown "kty"' },
      { key: `"${'k'.repeat(64)}…"`, reason: 'the point is not on P-256' },
    ]);
  });
});

/**
 * With `e = 1`, RSA "verification" is the identity: the signature of any message is its own PKCS #1
 * v1.5 encoding. Whoever reads the JWK set can then sign anything.
 */
async function forgeWithExponentOne(modulus: string, claims: Record<string, unknown>): Promise<string> {
  const encode = (value: unknown) => base64url.encode(JSON.stringify(value));
  const signingInput = `${encode({ alg: 'RS256', kid: 'e1' })}.${encode(claims)}`;
  const digest = new Uint8Array(
    await crypto.subtle.digest('SHA-256', new TextEncoder().encode(signingInput)),
  );
  const sha256Info = [
    0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
  ];
  const digestInfo = [...sha256Info, 0x05, 0x00, 0x04, 0x20, ...digest];
  const length = base64url.decode(modulus).length;
  const encoded = new Uint8Array(length).fill(0xff);
  encoded[0] = 0x00;
  encoded[1] = 0x01;
  encoded[length - digestInfo.length - 1] = 0x00;
  encoded.set(digestInfo, length - digestInfo.length);
  return `${signingInput}.${base64url.encode(encoded)}`;
}

describe('an RSA key with e = 1 never verifies a token', () => {
  const claims = { iss: ISSUER, aud: AUDIENCE, sub: 'forged', exp: NOW_S + 300 };

  it('is a real forgery: WebCrypto itself accepts the forged signature under such a key', async () => {
    const forged = await forgeWithExponentOne(rsa.publicJwk.n!, claims);
    const [header, payload, signature] = forged.split('.') as [string, string, string];
    const key = await crypto.subtle.importKey(
      'jwk',
      { kty: 'RSA', n: rsa.publicJwk.n, e: 'AQ' },
      { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
      false,
      ['verify'],
    );
    const valid = await crypto.subtle.verify(
      'RSASSA-PKCS1-v1_5',
      key,
      base64url.decode(signature) as Uint8Array<ArrayBuffer>,
      new TextEncoder().encode(`${header}.${payload}`),
    );
    expect(valid).toBe(true);
  });

  it('is refused in a static JWK set at start-up: configuration is never quietly trimmed', () => {
    const weak = { ...rsa.publicJwk, kid: 'e1', e: 'AQ' } as JWK;
    expect(() => staticJwks({ keys: [weak, p256.publicJwk] })).toThrow(/key "e1": its public exponent is 1/);
  });

  it('is left out of a remote JWK set and reported; a set of only such keys is no set', async () => {
    const server = await startJwksServer({ keys: [{ ...rsa.publicJwk, kid: 'e1', e: 'AQ' }] });
    servers.push(server);
    const errors: Error[] = [];
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) }),
    });
    const forged = await forgeWithExponentOne(rsa.publicJwk.n!, claims);
    expectFailure(await resolveAt(resolver, forged), 'keys_unavailable');
    expect((errors[0] as JwkSetError).code).toBe('ERR_RS_JWKS_NO_USABLE_KEY');
    expect((errors[0] as JwkSetError).unusableKeys).toEqual([
      { key: '"e1"', reason: expect.stringContaining('its public exponent is 1') },
    ]);
  });
});
