import { generateKeyPairSync } from 'node:crypto';
import { generateSigningKey, jwksOf, startJwksServer } from '@rs/testkit';
import { base64url, exportJWK, generateKeyPair, generateSecret, importJWK, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jwkSetStore, jwtResolver, remoteJwks, type SecretStore, sharedSecrets } from '../../src/index.js';
import { expectConfigError, expectSuccess, ISSUER, randomBytes, resolveAt } from '../helpers.js';
import { decryptWith, encrypt, keyCount, providerOf, sign, verifyWith } from '../secrets-setup.js';

const OPTION = 'jwtResolver.verificationSecretId';
const DECRYPT_OPTION = 'jwtResolver.decryptionSecretId';

let rsa: { privateKey: CryptoKey; publicKey: CryptoKey; privateJwk: JWK; publicJwk: JWK };
let ec: { privateKey: CryptoKey; publicKey: CryptoKey; privateJwk: JWK; publicJwk: JWK };

async function keyPair(alg: string) {
  const pair = await generateKeyPair(alg, { extractable: true });
  return {
    ...pair,
    privateJwk: await exportJWK(pair.privateKey),
    publicJwk: await exportJWK(pair.publicKey),
  };
}

beforeAll(async () => {
  rsa = await keyPair('RS256');
  ec = await keyPair('ES256');
});

/** A store holding fixed JWKs under one ID, as a custom store would. */
function jwkStore(secretId: string, jwks: JWK[], name = 'test store'): SecretStore {
  return {
    name,
    keys: (id) =>
      id === secretId ? jwks.map((jwk, i) => ({ jwk, origin: `${name} key #${i}` })) : undefined,
  };
}

describe('secretsProvider: stores in order', () => {
  it('lets the first store that knows the ID answer alone', async () => {
    const first = randomBytes(32);
    const second = randomBytes(32);
    const provider = providerOf(
      sharedSecrets({ other: randomBytes(32) }),
      sharedSecrets({ hmac: first }),
      sharedSecrets({ hmac: second }),
    );
    const keys = provider.verificationKeys('hmac', OPTION);
    expect(keys.symmetric).toBe(true);
    expect(await verifyWith(keys, await sign(first, { alg: 'HS256' }))).toContain('"sub":"demo"');
    expect(await verifyWith(keys, await sign(second, { alg: 'HS256' }))).toBeUndefined();
  });

  it('offers every key of a secret, active first (rotation)', async () => {
    const active = randomBytes(32);
    const previous = randomBytes(32);
    const keys = providerOf(sharedSecrets({ hmac: [active, previous] })).verificationKeys('hmac', OPTION);
    const offered = await keys.keysFor({ alg: 'HS256', kid: undefined }, 0);
    const list = expectSuccess(offered);
    expect(list).toHaveLength(2);
    const activeKey = await crypto.subtle.importKey(
      'raw',
      active as Uint8Array<ArrayBuffer>,
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign'],
    );
    const data = new TextEncoder().encode('x');
    const mac = await crypto.subtle.sign('HMAC', activeKey, data);
    expect(await crypto.subtle.verify('HMAC', list[0]!, mac, data)).toBe(true);
    expect(await crypto.subtle.verify('HMAC', list[1]!, mac, data)).toBe(false);
    expect(await verifyWith(keys, await sign(previous, { alg: 'HS256' }))).toBeDefined();
  });

  it('refuses an unknown secret ID when the resolver is built, naming the option and the ID', () => {
    const provider = providerOf(sharedSecrets({ known: randomBytes(32) }, { name: 'hmac secrets' }));
    const error = expectConfigError(() => provider.verificationKeys('unknown.id', OPTION), OPTION);
    expect(error.message).toContain('"unknown.id"');
    expect(error.message).toContain('hmac secrets');
    expectConfigError(() => provider.decryptionKeys('unknown.id', DECRYPT_OPTION), DECRYPT_OPTION);
    expectConfigError(() => provider.verificationKeys('', OPTION), OPTION);
  });

  it('reports a store of its own that throws as a configuration error, not repeating what it threw', () => {
    const thrown = new Error('could not read eyJhbGciOiJIUzI1NiJ9.secret');
    const broken: SecretStore = {
      name: 'vault',
      keys() {
        throw thrown;
      },
    };
    for (const find of [
      () => providerOf(broken).verificationKeys('am.signing', OPTION),
      () => providerOf(broken).decryptionKeys('am.signing', DECRYPT_OPTION),
    ]) {
      let error: unknown;
      try {
        find();
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(Error);
      expect((error as Error).name).toBe('RsConfigError');
      expect((error as Error).message).toContain('vault');
      expect((error as Error).message).not.toContain('eyJhbGciOiJIUzI1NiJ9');
      expect((error as Error).cause).toBe(thrown);
    }
  });

  it('refuses a provider without stores or with a store that answers nothing', () => {
    expectConfigError(() => providerOf(), 'secretsProvider.stores');
    expectConfigError(() => providerOf({ name: 'empty' }), 'secretsProvider.stores');
  });

  it('fails the build of a resolver that names an unknown secret', () => {
    const provider = providerOf(sharedSecrets({ known: randomBytes(32) }));
    expectConfigError(
      () =>
        jwtResolver({
          acceptAnyAudience: true,
          issuer: ISSUER,
          keys: provider.verificationKeys('missing', OPTION),
        }),
      OPTION,
    );
  });

  it("verifies real tokens through jwtResolver with the provider's keys", async () => {
    const secret = randomBytes(32);
    const provider = providerOf(sharedSecrets({ 'am.hmac': secret }));
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      keys: provider.verificationKeys('am.hmac', OPTION),
    });
    const info = expectSuccess(await resolveAt(resolver, await sign(secret, { alg: 'HS256' })));
    expect(info.subject).toBe('demo');
  });
});

describe('secretsProvider: keys by purpose', () => {
  it('verifies with the public half of a private key, and decrypts with the private key', async () => {
    const provider = providerOf(jwkStore('rsa', [rsa.privateJwk]));
    const verification = provider.verificationKeys('rsa', OPTION);
    expect(verification.symmetric).toBe(false);
    expect(await verifyWith(verification, await sign(rsa.privateKey, { alg: 'RS256' }))).toBeDefined();
    const decryption = provider.decryptionKeys('rsa', DECRYPT_OPTION);
    const token = await encrypt(await importJWK(rsa.publicJwk, 'RSA-OAEP-256'), {
      alg: 'RSA-OAEP-256',
      enc: 'A256GCM',
    });
    expect(await decryptWith(decryption, token)).toBe('{"sub":"demo"}');
  });

  it('leaves out the keys that cannot serve the purpose', async () => {
    const aes = { kty: 'oct', k: base64url.encode(randomBytes(32)), use: 'enc' };
    const provider = providerOf(jwkStore('mixed', [aes, rsa.publicJwk, ec.privateJwk]));
    const verification = provider.verificationKeys('mixed', OPTION);
    // The AES key is marked for encryption: no HMAC verification with it.
    expect(verification.symmetric).toBe(false);
    expect(await keyCount(verification, { alg: 'HS256' })).toBe(0);
    expect(await keyCount(verification, { alg: 'RS256' })).toBe(1);
    expect(await keyCount(verification, { alg: 'ES256' })).toBe(1);
    const decryption = provider.decryptionKeys('mixed', DECRYPT_OPTION);
    // The RSA public key cannot decrypt; the EC key is no RSA-OAEP key; the AES key fits `dir` A256GCM only.
    expect(await keyCount(decryption, { alg: 'RSA-OAEP' })).toBe(0);
    expect(await keyCount(decryption, { alg: 'ECDH-ES', enc: 'A256GCM' })).toBe(1);
    expect(await keyCount(decryption, { alg: 'dir', enc: 'A256GCM' })).toBe(1);
    expect(await keyCount(decryption, { alg: 'dir', enc: 'A128GCM' })).toBe(0);
    const token = await encrypt(await importJWK(ec.publicJwk, 'ECDH-ES'), {
      alg: 'ECDH-ES+A128KW',
      enc: 'A128GCM',
    });
    expect(await decryptWith(decryption, token)).toBe('{"sub":"demo"}');
  });

  it('refuses, at build time, a secret none of whose keys can serve the purpose', () => {
    const aes = { kty: 'oct', k: base64url.encode(randomBytes(32)), use: 'enc' };
    const provider = providerOf(
      jwkStore('aes', [aes]),
      jwkStore('public', [rsa.publicJwk, ec.publicJwk]),
      sharedSecrets({ short: randomBytes(16), odd: randomBytes(20) }),
    );
    const error = expectConfigError(() => provider.verificationKeys('aes', OPTION), OPTION);
    expect(error.message).toContain('can verify signatures');
    expect(error.message).toContain('"use": "enc"');
    expect(
      expectConfigError(() => provider.decryptionKeys('public', DECRYPT_OPTION), DECRYPT_OPTION).message,
    ).toContain('public key');
    // 16 bytes are too short for HS256 (RFC 7518 §3.2); 20 bytes fit no AES key size.
    expect(expectConfigError(() => provider.verificationKeys('short', OPTION), OPTION).message).toContain(
      'a shared secret of 16 bytes',
    );
    expectConfigError(() => provider.decryptionKeys('odd', DECRYPT_OPTION), DECRYPT_OPTION);
  });

  it('refuses for decryption a private key WebCrypto could not import, without repeating it', () => {
    const zeroScalar = { ...ec.privateJwk, d: base64url.encode(new Uint8Array(32)) };
    const { kty, n, e, d } = rsa.privateJwk;
    const provider = providerOf(jwkStore('broken', [zeroScalar, { kty, n, e, d }]));
    const error = expectConfigError(() => provider.decryptionKeys('broken', DECRYPT_OPTION), DECRYPT_OPTION);
    expect(error.problem).toContain('key #0: has a "d" that is not a private key of P-256');
    expect(error.problem).toContain('key #1: lacks "p", "q", "dp", "dq", "qi"');
    for (const member of [zeroScalar.d, ec.privateJwk.d!, rsa.privateJwk.d!, rsa.privateJwk.p!]) {
      expect(error.message).not.toContain(member);
    }
    // Verification takes the public halves, which are sound.
    expect(() => provider.verificationKeys('broken', OPTION)).not.toThrow();
  });

  it('refuses RSA keys under 2048 bits', () => {
    // jose will not even make such a key; Node still does.
    const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ format: 'jwk' });
    const provider = providerOf(jwkStore('small', [small as JWK]));
    expect(expectConfigError(() => provider.verificationKeys('small', OPTION), OPTION).message).toContain(
      '2048',
    );
    expectConfigError(() => provider.decryptionKeys('small', DECRYPT_OPTION), DECRYPT_OPTION);
  });
});

describe('jwkSetStore', () => {
  let server: Awaited<ReturnType<typeof startJwksServer>>;
  let signing: Awaited<ReturnType<typeof generateSigningKey>>;
  beforeAll(async () => {
    signing = await generateSigningKey('ES256', 'am-1');
    server = await startJwksServer(jwksOf(signing));
  });
  afterAll(() => server.close());

  it('wraps a remote JWK set for any secret ID, choosing keys by kid', async () => {
    const jwks = remoteJwks({ url: server.url });
    const provider = providerOf(jwkSetStore({ jwks }));
    const keys = provider.verificationKeys('any.value.in.regex.format', OPTION);
    expect(keys).toBe(jwks);
    expect(
      await verifyWith(keys, await sign(signing.privateKey, { alg: 'ES256', kid: 'am-1' })),
    ).toBeDefined();
    // A remote JWK set holds no decryption key: the ID stays unknown for decryption.
    expectConfigError(() => provider.decryptionKeys('any.value', DECRYPT_OPTION), DECRYPT_OPTION);
  });

  it('answers only its secretIds when given, so later stores are reached', () => {
    const secret = randomBytes(32);
    const provider = providerOf(
      jwkSetStore({ jwks: remoteJwks({ url: server.url }), secretIds: ['am.signing'] }),
      sharedSecrets({ 'am.hmac': secret }),
    );
    expect(provider.verificationKeys('am.hmac', OPTION).symmetric).toBe(true);
    expect(provider.verificationKeys('am.signing', OPTION).symmetric).toBe(false);
  });

  it('holds a JWK set with private and oct keys, chosen by kid', async () => {
    const aes = await generateSecret('A128KW', { extractable: true });
    const aesJwk = { ...(await exportJWK(aes)), kid: 'wrap-1' };
    const provider = providerOf(
      jwkSetStore({
        jwks: { keys: [{ ...rsa.privateJwk, kid: 'rsa-1' }, { ...ec.publicJwk, kid: 'ec-1' }, aesJwk] },
      }),
    );
    const verification = provider.verificationKeys('whatever', OPTION);
    expect(
      await verifyWith(verification, await sign(rsa.privateKey, { alg: 'RS256', kid: 'rsa-1' })),
    ).toBeDefined();
    expect(
      await verifyWith(verification, await sign(rsa.privateKey, { alg: 'RS256', kid: 'ec-1' })),
    ).toBeUndefined();
    expect(await keyCount(verification, { alg: 'RS256', kid: 'other' })).toBe(0);
    expect(await keyCount(verification, { alg: 'RS256' })).toBe(1);
    const decryption = provider.decryptionKeys('whatever', DECRYPT_OPTION);
    const wrapped = await encrypt(aes, { alg: 'A128KW', enc: 'A128CBC-HS256', kid: 'wrap-1' });
    expect(await decryptWith(decryption, wrapped)).toBe('{"sub":"demo"}');
    expect(await keyCount(decryption, { alg: 'A128KW', kid: 'rsa-1' })).toBe(0);
  });

  it('refuses what is not a JWK set', () => {
    expectConfigError(() => jwkSetStore({ jwks: { keys: 'no' } as never }), 'jwkSetStore.jwks');
    expectConfigError(() => jwkSetStore({ jwks: { keys: [{ k: 'x' }] } as never }), 'jwkSetStore.jwks');
    const many = { keys: Array.from({ length: 101 }, () => rsa.publicJwk) };
    expectConfigError(() => jwkSetStore({ jwks: many }), 'jwkSetStore.jwks');
    expectConfigError(() => jwkSetStore({} as never), 'jwkSetStore.jwks');
  });

  it('refuses a JWK set with holes (Array#map would skip them and leave keys of nothing)', () => {
    expectConfigError(() => jwkSetStore({ jwks: { keys: new Array(2) } }), 'jwkSetStore.jwks');
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point.
    const holed = [rsa.publicJwk, , rsa.publicJwk] as JWK[];
    expectConfigError(() => jwkSetStore({ jwks: { keys: holed } }), 'jwkSetStore.jwks');
  });
});

describe('sharedSecrets', () => {
  it('takes strings as UTF-8 and decrypts dir tokens with keys of the exact size', async () => {
    const text = 'a-32-byte-long-shared-secret!!!!';
    const provider = providerOf(sharedSecrets({ 'am.secret': text }));
    const key = new TextEncoder().encode(text);
    expect(
      await verifyWith(provider.verificationKeys('am.secret', OPTION), await sign(key, { alg: 'HS256' })),
    ).toBeDefined();
    const token = await encrypt(key, { alg: 'dir', enc: 'A128CBC-HS256' });
    expect(await decryptWith(provider.decryptionKeys('am.secret', DECRYPT_OPTION), token)).toBe(
      '{"sub":"demo"}',
    );
  });

  it('refuses empty and non-byte values', () => {
    expectConfigError(() => sharedSecrets({ a: '' }), 'sharedSecrets');
    expectConfigError(() => sharedSecrets({ a: [] }), 'sharedSecrets');
    expectConfigError(() => sharedSecrets({ a: 42 as never }), 'sharedSecrets');
    expectConfigError(() => sharedSecrets(null as never), 'sharedSecrets');
  });

  it('refuses lists with holes (Array#map would skip them and answer undefined keys)', () => {
    expectConfigError(() => sharedSecrets({ k: new Array(2) }), 'sharedSecrets');
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point.
    const holed = ['a'.repeat(32), , 'b'.repeat(32)] as string[];
    expectConfigError(() => sharedSecrets({ k: holed }), 'sharedSecrets');
  });

  it('refuses secret IDs no resolver could ask for: empty, white space at either end, control characters', () => {
    for (const secretId of [' k', 'k ', 'am.hmac\n', '', 'a\u0000b']) {
      const error = expectConfigError(() => sharedSecrets({ [secretId]: 'a'.repeat(32) }), 'sharedSecrets');
      expect(error.message).not.toContain('a'.repeat(32));
    }
    // The ID is shown with its stray characters escaped, so the mistake can be seen.
    expect(
      expectConfigError(() => sharedSecrets({ 'am.hmac\n': 'a'.repeat(32) }), 'sharedSecrets').message,
    ).toContain('"am.hmac\\n"');
  });
});
