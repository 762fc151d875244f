import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  CONTENT_ENCRYPTION_ALGORITHMS,
  DEFAULT_KEY_MANAGEMENT_ALGORITHMS,
  jwtResolver,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectFailure,
  expectSuccess,
  ISSUER,
  NOW_S,
  randomBytes,
  resolveAt,
} from '../helpers.js';
import { accessClaims, encrypt, serverFor } from '../jwe-setup.js';

const CEK_BYTES: Record<string, number> = {
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
};

let signer: TestSigningKey;

beforeAll(async () => {
  signer = await generateSigningKey('ES256', 'sig-1');
});

/** A signed RFC 9068 token: the inner JWT of a nested token. */
const signed = (claims: Record<string, unknown> = {}) =>
  mintToken(signer, { issuer: ISSUER, audience: AUDIENCE, now: NOW_S }, claims);

describe('direct encryption (dir) with a shared secret', () => {
  it.each(CONTENT_ENCRYPTION_ALGORITHMS)('round-trips dir + %s', async (enc) => {
    const secret = randomBytes(CEK_BYTES[enc]!);
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      decryption: staticDecryptionKeys([secret]),
    });
    const claims = accessClaims({ jti: `dir-${enc}` });
    const info = expectSuccess(await resolveAt(resolver, await encrypt(claims, { alg: 'dir', enc }, secret)));
    expect(info).toMatchObject({ subject: 'user-123', tokenId: `dir-${enc}`, source: 'jwt' });
  });

  it('takes the secret as an oct JWK, and picks the key of the right size among several', async () => {
    const secret = randomBytes(32);
    const decryption = staticDecryptionKeys({
      keys: [
        { kty: 'oct', k: Buffer.from(randomBytes(16)).toString('base64url') },
        { kty: 'oct', k: Buffer.from(secret).toString('base64url'), use: 'enc' },
      ],
    });
    const resolver = jwtResolver({ acceptAnyAudience: true, issuer: ISSUER, decryption });
    const token = await encrypt(accessClaims(), { alg: 'dir', enc: 'A128CBC-HS256' }, secret);
    expectSuccess(await resolveAt(resolver, token));
  });
});

describe('AES key wrap with a shared secret', () => {
  it.each([
    ['A128KW', 16],
    ['A192KW', 24],
    ['A256KW', 32],
    ['A128GCMKW', 16],
    ['A192GCMKW', 24],
    ['A256GCMKW', 32],
  ] as const)('round-trips %s', async (alg, bytes) => {
    const secret = randomBytes(bytes);
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      decryption: staticDecryptionKeys([secret]),
    });
    for (const enc of ['A128CBC-HS256', 'A256GCM']) {
      expectSuccess(await resolveAt(resolver, await encrypt(accessClaims(), { alg, enc }, secret)));
    }
  });

  it('accepts a WebCrypto AES-KW key', async () => {
    const key = await crypto.subtle.generateKey({ name: 'AES-KW', length: 256 }, true, [
      'wrapKey',
      'unwrapKey',
    ]);
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      decryption: staticDecryptionKeys([key]),
    });
    const token = await encrypt(accessClaims(), { alg: 'A256KW', enc: 'A256GCM' }, key);
    expectSuccess(await resolveAt(resolver, token));
  });
});

describe('public-key encryption of a signed JWT (nested)', () => {
  const cases: readonly (readonly [string, string, Record<string, unknown>])[] = [
    ['RSA-OAEP', 'RSA-OAEP', {}],
    ['RSA-OAEP-256', 'RSA-OAEP-256', {}],
    ['RSA-OAEP-512', 'RSA-OAEP-512', {}],
    ['ECDH-ES', 'ECDH-ES', { crv: 'P-256' }],
    ['ECDH-ES+A128KW', 'ECDH-ES+A128KW', { crv: 'P-384' }],
    ['ECDH-ES+A192KW', 'ECDH-ES+A192KW', { crv: 'P-521' }],
    ['ECDH-ES+A256KW', 'ECDH-ES+A256KW', { crv: 'P-256' }],
    ['ECDH-ES with X25519', 'ECDH-ES', { crv: 'X25519' }],
  ];

  it.each(cases)('round-trips %s from a private JWK', async (_name, alg, options) => {
    const pair = await generateKeyPair(alg, { ...options, extractable: true });
    const privateJwk: JWK = { ...(await exportJWK(pair.privateKey)), kid: 'enc-1', use: 'enc' };
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(signer)),
      decryption: staticDecryptionKeys({ keys: [privateJwk] }),
      profile: 'rfc9068',
    });
    for (const enc of ['A128CBC-HS256', 'A256GCM']) {
      const inner = await signed({ jti: `${alg}-${enc}` });
      const token = await encrypt(inner, { alg, enc, cty: 'JWT', kid: 'enc-1' }, pair.publicKey);
      const context = expectAccepted(await serverFor(resolver).authenticate(bearerRequest(token)));
      expect(context.tokenId).toBe(`${alg}-${enc}`);
    }
  });

  it('round-trips with WebCrypto private keys, and without cty or kid', async () => {
    const rsa = await generateKeyPair('RSA-OAEP-256');
    const ec = await generateKeyPair('ECDH-ES+A256KW', { crv: 'P-256' });
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      keys: staticJwks(jwksOf(signer)),
      decryption: staticDecryptionKeys([rsa.privateKey, ec.privateKey]),
    });
    const rsaToken = await encrypt(await signed(), { alg: 'RSA-OAEP-256', enc: 'A192GCM' }, rsa.publicKey);
    const ecToken = await encrypt(
      await signed(),
      { alg: 'ECDH-ES+A256KW', enc: 'A256CBC-HS512' },
      ec.publicKey,
    );
    expectSuccess(await resolveAt(resolver, rsaToken));
    expectSuccess(await resolveAt(resolver, ecToken));
  });

  it('decrypts a signed JWT under symmetric encryption too, and verifies it', async () => {
    const secret = randomBytes(32);
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      keys: staticJwks(jwksOf(signer)),
      decryption: staticDecryptionKeys([secret]),
    });
    const token = await encrypt(
      await signed({ jti: 'nested-dir' }),
      { alg: 'dir', enc: 'A256GCM', cty: 'JWT' },
      secret,
    );
    expect(expectSuccess(await resolveAt(resolver, token)).tokenId).toBe('nested-dir');
  });
});

describe('the RFC 9068 typ on encrypted tokens', () => {
  it('refuses a token that is only encrypted, typed or not: RFC 9068 §2.1 requires a signature', async () => {
    const secret = randomBytes(32);
    const options = { acceptAnyAudience: true, issuer: ISSUER, decryption: staticDecryptionKeys([secret]) };
    const resolver = jwtResolver({ ...options, profile: 'rfc9068' });
    const claims = accessClaims();
    const typed = await encrypt(claims, { alg: 'dir', enc: 'A256GCM', typ: 'at+jwt' }, secret);
    const untyped = await encrypt(claims, { alg: 'dir', enc: 'A256GCM' }, secret);
    expectFailure(await resolveAt(resolver, typed), 'token_unsupported');
    expectFailure(await resolveAt(resolver, untyped), 'token_unsupported');
    // Without the profile, a shared secret's encryption vouches for the claims.
    expectSuccess(await resolveAt(jwtResolver(options), typed));
  });

  it('is read from the signed JWT of a nested token, so re-wrapping a JWT of another type does not pass', async () => {
    const rsa = await generateKeyPair('RSA-OAEP-256');
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      keys: staticJwks(jwksOf(signer)),
      decryption: staticDecryptionKeys([rsa.privateKey]),
      profile: 'rfc9068',
    });
    const idToken = await mintToken(
      signer,
      { issuer: ISSUER, audience: AUDIENCE, now: NOW_S },
      {},
      { typ: 'JWT' },
    );
    const wrapped = await encrypt(
      idToken,
      { alg: 'RSA-OAEP-256', enc: 'A256GCM', cty: 'JWT', typ: 'at+jwt' },
      rsa.publicKey,
    );
    expectFailure(await resolveAt(resolver, wrapped), 'token_type_invalid');
  });
});

describe('rotation', () => {
  it('tries every key that fits: the old secret still opens tokens while the new one is active', async () => {
    const [active, previous] = [randomBytes(32), randomBytes(32)];
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      decryption: staticDecryptionKeys([active, previous]),
    });
    for (const secret of [active, previous]) {
      const token = await encrypt(accessClaims(), { alg: 'dir', enc: 'A128CBC-HS256' }, secret);
      expectSuccess(await resolveAt(resolver, token));
    }
  });

  it('a token naming a kid uses the key carrying it', async () => {
    const [one, two] = [randomBytes(16), randomBytes(16)];
    const b64 = (bytes: Uint8Array) => Buffer.from(bytes).toString('base64url');
    const decryption = staticDecryptionKeys({
      keys: [
        { kty: 'oct', kid: 'one', k: b64(one) },
        { kty: 'oct', kid: 'two', k: b64(two) },
      ],
    });
    const resolver = jwtResolver({ acceptAnyAudience: true, issuer: ISSUER, decryption });
    const token = await encrypt(accessClaims(), { alg: 'A128KW', enc: 'A128GCM', kid: 'two' }, two);
    expectSuccess(await resolveAt(resolver, token));
  });
});

it('the default allow-lists cover every algorithm above and leave out RSA1_5 and PBES2', () => {
  expect(DEFAULT_KEY_MANAGEMENT_ALGORITHMS).not.toContain('RSA1_5');
  expect(DEFAULT_KEY_MANAGEMENT_ALGORITHMS.some((alg) => alg.startsWith('PBES2'))).toBe(false);
  expect(CONTENT_ENCRYPTION_ALGORITHMS).toEqual(Object.keys(CEK_BYTES));
});
