import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { base64url, CompactEncrypt, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenResolver,
  type FailureCode,
  jwtResolver,
  type ResourceServer,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { MAX_PBES2_COUNT } from '../../src/keys/jwe-algorithms.js';
import { AUDIENCE, bearerRequest, expectRejected, ISSUER, NOW_S, randomBytes } from '../helpers.js';
import { accessClaims, encrypt, handmadeGcmJwe, serverFor, tamperSegment } from '../jwe-setup.js';

const DIR = { alg: 'dir', enc: 'A128CBC-HS256' } as const;

let signer: TestSigningKey;
let secret: Uint8Array;
let rsa: CryptoKeyPair;
let otherRsa: CryptoKeyPair;
let gcmSecret: Uint8Array;
let rs: ResourceServer;
let dirToken: string;
let nestedToken: string;

beforeAll(async () => {
  signer = await generateSigningKey('ES256', 'sig-1');
  secret = randomBytes(32);
  gcmSecret = randomBytes(16);
  rsa = await generateKeyPair('RSA-OAEP-256');
  otherRsa = await generateKeyPair('RSA-OAEP-256');
  rs = serverFor(
    jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      keys: staticJwks(jwksOf(signer)),
      decryption: staticDecryptionKeys([secret, gcmSecret, rsa.privateKey]),
    }),
  );
  dirToken = await encrypt(accessClaims(), DIR, secret);
  const inner = await mintToken(signer, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S });
  nestedToken = await encrypt(inner, { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' }, rsa.publicKey);
});

async function expectInvalid(token: string, code: FailureCode, server: ResourceServer = rs): Promise<string> {
  const rejection = expectRejected(await server.authenticate(bearerRequest(token)), code, 401);
  expect(rejection.error).toBe('invalid_token');
  return rejection.description;
}

describe('tokens that do not open', () => {
  it('refuses a token encrypted with another secret', async () => {
    await expectInvalid(await encrypt(accessClaims(), DIR, randomBytes(32)), 'decryption_failed');
  });

  it('refuses a token encrypted for another private key', async () => {
    const inner = await mintToken(signer, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S });
    const token = await encrypt(
      inner,
      { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT' },
      otherRsa.publicKey,
    );
    expect(await expectInvalid(token, 'decryption_failed')).toBe(
      'The encrypted token could not be decrypted',
    );
  });

  it('refuses a token whose kid names no configured key', async () => {
    const keyed = serverFor(
      jwtResolver({
        acceptAnyAudience: true,
        issuer: ISSUER,
        decryption: staticDecryptionKeys({ keys: [octJwk(secret, 'k1')] }),
      }),
    );
    const token = await encrypt(accessClaims(), { ...DIR, kid: 'k2' }, secret);
    await expectInvalid(token, 'unknown_key', keyed);
  });

  it.each([
    ['header', 0],
    ['encrypted key', 1],
    ['iv', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('refuses a nested token with a tampered %s', async (_name, segment) => {
    const code = segment === 0 ? 'token_malformed' : 'decryption_failed';
    await expectInvalid(tamperSegment(nestedToken, segment), code);
  });

  it.each([
    ['iv', 2],
    ['ciphertext', 3],
    ['tag', 4],
  ])('refuses a direct-encrypted token with a tampered %s', async (_name, segment) => {
    await expectInvalid(tamperSegment(dirToken, segment), 'decryption_failed');
  });

  it('refuses a header changed to another valid header (it is authenticated data)', async () => {
    const [, ...rest] = dirToken.split('.');
    const header = base64url.encode(JSON.stringify({ enc: 'A128CBC-HS256', alg: 'dir' }));
    await expectInvalid([header, ...rest].join('.'), 'decryption_failed');
  });

  it('refuses truncated tokens', async () => {
    const segments = dirToken.split('.');
    await expectInvalid(segments.slice(0, 4).join('.'), 'token_malformed');
    await expectInvalid(`${segments.slice(0, 4).join('.')}.`, 'decryption_failed');
    // A 22-character tag cut to 17 leaves a dangling character: not canonical base64url.
    await expectInvalid(dirToken.slice(0, -5), 'token_malformed');
    await expectInvalid(dirToken.slice(0, dirToken.length / 2), 'token_malformed');
  });

  it('never crashes on a token altered anywhere: every variant is a 401 invalid_token', async () => {
    for (const token of [dirToken, nestedToken]) {
      for (let i = 0; i < token.length; i += Math.ceil(token.length / 60)) {
        const altered = `${token.slice(0, i)}${flipTopBit(token[i]!)}${token.slice(i + 1)}`;
        const result = await rs.authenticate(bearerRequest(altered));
        expect(result.ok).toBe(false);
        if (!result.ok)
          expect([result.rejection.status, result.rejection.error]).toEqual([401, 'invalid_token']);
      }
    }
  });
});

describe('refused algorithms', () => {
  it.each(['RSA1_5', 'PBES2-HS256+A128KW', 'A128KW-unknown', 'none'])(
    'refuses alg %s before any key is used',
    async (alg) => {
      const [, ...rest] = nestedToken.split('.');
      const header = base64url.encode(JSON.stringify({ alg, enc: 'A256GCM' }));
      expect(await expectInvalid([header, ...rest].join('.'), 'algorithm_not_allowed')).toBe(
        'The token key-management algorithm is not allowed',
      );
    },
  );

  it('refuses a real PBES2 token by default', async () => {
    const token = await encrypt(accessClaims(), { alg: 'PBES2-HS256+A128KW', enc: 'A128GCM' }, secret);
    await expectInvalid(token, 'algorithm_not_allowed');
  });

  it(`refuses a PBES2 token asking for more than ${MAX_PBES2_COUNT} iterations before any derivation`, async () => {
    // The token sets the count: a forger asks for as many as the server would pay for.
    const passwords = serverFor(
      jwtResolver({
        acceptAnyAudience: true,
        issuer: ISSUER,
        decryption: staticDecryptionKeys([secret]),
        keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
      }),
    );
    const withCount = (p2c: number) =>
      new CompactEncrypt(new TextEncoder().encode(JSON.stringify(accessClaims())))
        .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM' })
        .setKeyManagementParameters({ p2c })
        .encrypt(secret);
    expect((await passwords.authenticate(bearerRequest(await withCount(MAX_PBES2_COUNT)))).ok).toBe(true);
    const [, ...rest] = (await withCount(MAX_PBES2_COUNT + 1)).split('.');
    for (const p2c of [MAX_PBES2_COUNT + 1, 2 ** 31, Number.MAX_SAFE_INTEGER, 1e308]) {
      const header = base64url.encode(
        JSON.stringify({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM', p2c, p2s: 'c2FsdHNhbHQ' }),
      );
      const derive = vi.spyOn(crypto.subtle, 'deriveBits');
      try {
        expect(await expectInvalid([header, ...rest].join('.'), 'token_unsupported', passwords)).toBe(
          'The encrypted token asks for more PBES2 iterations than allowed',
        );
        expect(derive).not.toHaveBeenCalled();
      } finally {
        derive.mockRestore();
      }
    }
  });

  it('refuses algorithms left out of the configured allow-lists', async () => {
    const strict = serverFor(
      jwtResolver({
        acceptAnyAudience: true,
        issuer: ISSUER,
        decryption: staticDecryptionKeys([secret, gcmSecret]),
        keyManagementAlgorithms: ['dir'],
        contentEncryptionAlgorithms: ['A128CBC-HS256'],
      }),
    );
    await expectInvalid(
      await encrypt(accessClaims(), { alg: 'A128KW', enc: 'A128CBC-HS256' }, gcmSecret),
      'algorithm_not_allowed',
      strict,
    );
    await expectInvalid(
      await encrypt(accessClaims(), { alg: 'dir', enc: 'A128GCM' }, gcmSecret),
      'algorithm_not_allowed',
      strict,
    );
  });
});

describe('what an opened token may hold', () => {
  it('refuses unsigned claims encrypted to a public key: anyone could have made them', async () => {
    const token = await encrypt(accessClaims(), { alg: 'RSA-OAEP-256', enc: 'A256GCM' }, rsa.publicKey);
    expect(await expectInvalid(token, 'token_unsupported')).toBe(
      'A token encrypted to a public key must hold a signed JWT',
    );
  });

  it('verifies the nested signature: a JWT signed by another key is refused', async () => {
    const stranger = await generateSigningKey('ES256', 'sig-1');
    const inner = await mintToken(stranger, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S });
    await expectInvalid(
      await encrypt(inner, { alg: 'dir', enc: 'A128CBC-HS256', cty: 'JWT' }, secret),
      'signature_invalid',
    );
  });

  it('refuses a nested signed JWT when no verification key is configured', async () => {
    const decryptOnly = serverFor(
      jwtResolver({ acceptAnyAudience: true, issuer: ISSUER, decryption: staticDecryptionKeys([secret]) }),
    );
    const inner = await mintToken(signer, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S });
    const token = await encrypt(inner, { ...DIR, cty: 'JWT' }, secret);
    expect(await expectInvalid(token, 'token_unsupported', decryptOnly)).toBe(
      'The encrypted token holds a signed JWT and no verification key is configured',
    );
    // Nor are plain signed tokens accepted by a resolver that only decrypts.
    await expectInvalid(inner, 'token_unsupported', decryptOnly);
  });

  it('refuses a JWE nested ten deep after one decryption', async () => {
    let token = await mintToken(signer, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S });
    const small = randomBytes(16);
    for (let depth = 0; depth < 10; depth++)
      token = await encrypt(token, { alg: 'dir', enc: 'A128GCM', cty: 'JWT' }, small);
    const deep = serverFor(
      jwtResolver({
        acceptAnyAudience: true,
        issuer: ISSUER,
        decryption: staticDecryptionKeys([small]),
        maxTokenLength: 1 << 20,
      }),
    );
    expect(await expectInvalid(token, 'token_unsupported', deep)).toBe(
      'Encrypted tokens nested in encrypted tokens are refused',
    );
  });

  it.each([
    [
      'a claims set under cty JWT',
      async () => encrypt(accessClaims(), { ...DIR, cty: 'JWT' }, secret),
      'token_malformed',
    ],
    ['a JSON array', async () => encrypt('[1,2]', DIR, secret), 'token_malformed'],
    ['text that is no JWT', async () => encrypt('hello', DIR, secret), 'token_malformed'],
    [
      'bytes that are not UTF-8',
      async () => encrypt(new Uint8Array([0xff, 0xfe, 0x7b]), DIR, secret),
      'token_malformed',
    ],
  ] as const)('refuses %s', async (_name, make, code) => {
    await expectInvalid(await make(), code);
  });

  it('refuses malformed headers without decrypting', async () => {
    const rest = dirToken.split('.').slice(1).join('.');
    for (const header of [{ alg: 'dir' }, { alg: 'dir', enc: 'A128CBC-HS256', kid: 7 }, [1], 'x']) {
      await expectInvalid(`${base64url.encode(JSON.stringify(header))}.${rest}`, 'token_malformed');
    }
    await expectInvalid(`${base64url.encode('not json')}.${rest}`, 'token_malformed');
  });
});

describe('critical headers', () => {
  // No JWE extension is understood, so any `crit` refuses the token (RFC 7516 §4.1.13), with the codes a
  // signed token gets, and before a key is looked up: the tokens below are authentic under gcmSecret.
  const claims = () => new TextEncoder().encode(JSON.stringify(accessClaims()));

  it.each([
    ['an empty list', []],
    ['a string', 'exp'],
    ['a list holding a number', [1]],
    ['a list holding an empty name', ['']],
  ])('refuses a crit that is %s as malformed, without decrypting', async (_name, crit) => {
    const token = await handmadeGcmJwe({ crit, exp: 1 }, claims(), gcmSecret);
    const decrypt = vi.spyOn(crypto.subtle, 'decrypt');
    try {
      const description = await expectInvalid(token, 'token_malformed');
      expect(description).toBe('The encrypted token header "crit" is not valid');
      expect(decrypt).not.toHaveBeenCalled();
    } finally {
      decrypt.mockRestore();
    }
  });

  it('refuses a crit naming extensions as unsupported, without decrypting', async () => {
    for (const header of [{ crit: ['exp'], exp: 1 }, { crit: ['absent'] }, { crit: ['b64'], b64: false }]) {
      const token = await handmadeGcmJwe(header, claims(), gcmSecret);
      const decrypt = vi.spyOn(crypto.subtle, 'decrypt');
      try {
        await expectInvalid(token, 'critical_header_unsupported');
        expect(decrypt).not.toHaveBeenCalled();
      } finally {
        decrypt.mockRestore();
      }
    }
  });
});

describe('compression', () => {
  const zipped = (plaintext: Record<string, unknown> | Uint8Array) =>
    encrypt(plaintext, { ...DIR, zip: 'DEF' }, secret);

  it('accepts compressed claims up to exactly 32 KiB and refuses one byte more', async () => {
    const sized = (bytes: number) => {
      const claims = accessClaims({ jti: 'fixed', pad: '' });
      claims.pad = 'a'.repeat(bytes - JSON.stringify(claims).length);
      return claims;
    };
    expect(JSON.stringify(sized(32_768)).length).toBe(32_768);
    const accepted = await rs.authenticate(bearerRequest(await zipped(sized(32_768))));
    expect(accepted.ok).toBe(true);
    const description = await expectInvalid(await zipped(sized(32_769)), 'token_too_large');
    expect(description).toBe('The encrypted token inflates beyond the allowed size');
  });

  it('stops inflating a compression bomb at the cap, with bounded memory', async () => {
    // 11 MiB of zeros deflate to about 11 KiB: the largest bomb a 16 KiB token can carry.
    const bomb = await zipped(new Uint8Array(11 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(16_384);
    const peakBefore = process.resourceUsage().maxRSS;
    await Promise.all(Array.from({ length: 20 }, () => expectInvalid(bomb, 'token_too_large')));
    // Twenty bombs inflated in full would take 220 MiB at once; capped, they take well under 64 MiB.
    expect(process.resourceUsage().maxRSS - peakBefore).toBeLessThan(64 * 1024);
  });

  it('honours a custom cap, and 0 refuses compressed tokens', async () => {
    const capped = (maxDecompressedBytes: number) =>
      serverFor(
        jwtResolver({
          acceptAnyAudience: true,
          issuer: ISSUER,
          decryption: staticDecryptionKeys([secret]),
          maxDecompressedBytes,
        }),
      );
    const token = await zipped(accessClaims({ pad: 'a'.repeat(2000) }));
    await expectInvalid(token, 'token_too_large', capped(1024));
    expect((await capped(4096).authenticate(bearerRequest(token))).ok).toBe(true);
    await expectInvalid(token, 'token_unsupported', capped(0));
  });

  it('refuses a zip the library does not know, and DEFLATE data that is not', async () => {
    const claims = new TextEncoder().encode(JSON.stringify(accessClaims()));
    await expectInvalid(await handmadeGcmJwe({ zip: 'NONE' }, claims, gcmSecret), 'token_unsupported');
    await expectInvalid(await handmadeGcmJwe({ zip: 'GZIP' }, claims, gcmSecret), 'token_unsupported');
    await expectInvalid(await handmadeGcmJwe({ zip: 'DEF' }, claims, gcmSecret), 'token_malformed');
    // The handmade encryption itself is sound: the same token without zip opens.
    const plain = await handmadeGcmJwe({}, claims, gcmSecret);
    expect((await rs.authenticate(bearerRequest(plain))).ok).toBe(true);
  });
});

it('a resolver without decryption keys still refuses encrypted tokens as unsupported', async () => {
  const signedOnly: AccessTokenResolver = jwtResolver({
    acceptAnyAudience: true,
    issuer: ISSUER,
    keys: staticJwks(jwksOf(signer)),
  });
  expect(await expectInvalid(dirToken, 'token_unsupported', serverFor(signedOnly))).toBe(
    'Encrypted access tokens are not accepted here',
  );
});

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

// Changing the low bits of a segment's last character may not change the decoded bytes (they are padding
// bits), so the alteration flips the top bit of the character's 6-bit value, which always carries data.
function flipTopBit(char: string): string {
  const value = BASE64URL.indexOf(char);
  return value === -1 ? 'x' : BASE64URL[value ^ 32]!;
}

function octJwk(bytes: Uint8Array, kid: string) {
  return { kty: 'oct', kid, k: base64url.encode(bytes) };
}
