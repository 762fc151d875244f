import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { base64url, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DecryptionKeySource,
  type JwtResolverOptions,
  jwtResolver,
  remoteJwks,
  sharedSecret,
  staticDecryptionKeys,
  staticJwks,
  type VerificationKeySource,
} from '../../src/index.js';
import type { SecretsProvider } from '../../src/secrets/secrets-provider.js';
import { AUDIENCE, expectConfigError, ISSUER, randomBytes } from '../helpers.js';
import { fixedSecrets } from '../jwe-setup.js';

let signer: TestSigningKey;
let keys: VerificationKeySource;
let secret: Uint8Array;
let decryption: DecryptionKeySource;
let secrets: SecretsProvider;

beforeAll(async () => {
  signer = await generateSigningKey('ES256', 'k1');
  keys = staticJwks(jwksOf(signer));
  secret = randomBytes(32);
  decryption = staticDecryptionKeys([secret]);
  secrets = fixedSecrets({ verify: keys }, { decrypt: decryption });
});

const jwt = (options: Partial<JwtResolverOptions>) => () =>
  jwtResolver({ issuer: ISSUER, audience: AUDIENCE, ...options } as JwtResolverOptions);

describe('where the keys come from', () => {
  it('needs keys, decryption keys or a secrets provider with a secret ID, unless one issuer is discovered', () => {
    const several = [ISSUER, `${ISSUER}/other`];
    expectConfigError(jwt({ issuer: several }), 'jwtResolver.keys');
    expectConfigError(jwt({ issuer: several, keys: undefined, decryption: undefined }), 'jwtResolver.keys');
    expect(() => jwt({})()).not.toThrow();
  });

  it('refuses both secret IDs, naming the one to drop (encryption takes precedence)', () => {
    const error = expectConfigError(
      jwt({ secrets, verificationSecretId: 'verify', decryptionSecretId: 'decrypt' }),
      'jwtResolver.verificationSecretId',
    );
    expect(error.message).toContain('encryption takes precedence');
  });

  it('refuses a secret ID without a provider, and a provider without a secret ID', () => {
    expectConfigError(jwt({ verificationSecretId: 'verify' }), 'jwtResolver.secrets');
    expectConfigError(jwt({ decryptionSecretId: 'decrypt' }), 'jwtResolver.secrets');
    expectConfigError(jwt({ secrets }), 'jwtResolver.secrets');
    expectConfigError(
      jwt({ secrets: {} as SecretsProvider, decryptionSecretId: 'decrypt' }),
      'jwtResolver.secrets',
    );
  });

  it('reports an unknown secret ID at start-up, naming the option', () => {
    const error = expectConfigError(
      jwt({ secrets, decryptionSecretId: 'missing' }),
      'jwtResolver.decryptionSecretId',
    );
    expect(error.message).toContain('missing');
    expectConfigError(jwt({ secrets, verificationSecretId: 'missing' }), 'jwtResolver.verificationSecretId');
  });

  it('turns any failure of the provider into a configuration error naming the option', () => {
    const broken: SecretsProvider = {
      verificationKeys: () => {
        throw new Error('keystore password refused');
      },
      decryptionKeys: () => ({}) as DecryptionKeySource,
    };
    const error = expectConfigError(
      jwt({ secrets: broken, verificationSecretId: 'verify' }),
      'jwtResolver.verificationSecretId',
    );
    // What it threw is not repeated (a store's error may quote the secret it read): it is the cause.
    expect(error.message).not.toContain('keystore password refused');
    expect((error.cause as Error).message).toBe('keystore password refused');
    expectConfigError(
      jwt({ secrets: broken, decryptionSecretId: 'decrypt' }),
      'jwtResolver.decryptionSecretId',
    );
  });

  it('refuses empty secret IDs', () => {
    expectConfigError(jwt({ secrets, verificationSecretId: '' }), 'jwtResolver.verificationSecretId');
    expectConfigError(
      jwt({ secrets, decryptionSecretId: 7 as unknown as string }),
      'jwtResolver.decryptionSecretId',
    );
  });

  it('takes each purpose from one place only', () => {
    expectConfigError(
      jwt({ secrets, verificationSecretId: 'verify', keys }),
      'jwtResolver.verificationSecretId',
    );
    expectConfigError(
      jwt({ secrets, decryptionSecretId: 'decrypt', decryption }),
      'jwtResolver.decryptionSecretId',
    );
  });

  it('allows a decryption secret with direct keys for a nested signature, and the reverse', () => {
    expect(() => jwt({ secrets, decryptionSecretId: 'decrypt', keys })()).not.toThrow();
    expect(() => jwt({ secrets, verificationSecretId: 'verify', decryption })()).not.toThrow();
  });

  it('refuses a decryption key source given as verification keys, naming the factory to use', () => {
    // TypeScript refuses the slip; JavaScript and configuration built at run time do not.
    const asKeys = decryption as unknown as VerificationKeySource;
    const error = expectConfigError(jwt({ keys: asKeys }), 'jwtResolver.keys');
    expect(error.problem).toContain('decryption');
    expect(error.problem).toContain('staticJwks(');
    const second = expectConfigError(jwt({ keys: [keys, asKeys] }), 'jwtResolver.keys');
    expect(second.problem).toMatch(/^entry #1 /);
    // From a secrets provider that hands back the wrong kind of source, the secret ID is named.
    const mixedUp = fixedSecrets({ verify: decryption as unknown as VerificationKeySource });
    expectConfigError(
      jwt({ secrets: mixedUp, verificationSecretId: 'verify' }),
      'jwtResolver.verificationSecretId',
    );
  });

  it('refuses a verification key source given as decryption keys, naming the factory to use', () => {
    const wrongSources: VerificationKeySource[] = [
      keys,
      sharedSecret(randomBytes(32)),
      remoteJwks({ url: 'https://as.example.com/jwks' }),
    ];
    for (const wrong of wrongSources) {
      const error = expectConfigError(
        jwt({ keys, decryption: wrong as unknown as DecryptionKeySource }),
        'jwtResolver.decryption',
      );
      expect(error.problem).toContain('staticDecryptionKeys(');
    }
    const mixedUp = fixedSecrets({}, { decrypt: keys as unknown as DecryptionKeySource });
    expectConfigError(
      jwt({ secrets: mixedUp, decryptionSecretId: 'decrypt' }),
      'jwtResolver.decryptionSecretId',
    );
  });

  it('accepts a custom source that says nothing of its purpose, for either purpose', () => {
    const custom = { keysFor: async () => ({ ok: true, value: [] }) };
    expect(() => jwt({ keys: custom as unknown as VerificationKeySource })()).not.toThrow();
    expect(() => jwt({ keys, decryption: custom as unknown as DecryptionKeySource })()).not.toThrow();
  });

  it('checks decryption sources', () => {
    expectConfigError(jwt({ decryption: [] }), 'jwtResolver.decryption');
    expectConfigError(jwt({ decryption: {} as DecryptionKeySource }), 'jwtResolver.decryption');
    expectConfigError(
      jwt({ decryption: [decryption, null as unknown as DecryptionKeySource] }),
      'jwtResolver.decryption[1]',
    );
  });
});

describe('algorithms the keys cannot serve', () => {
  it('refuses a JWS allow-list a verification secret cannot serve', () => {
    expectConfigError(
      jwt({ secrets, verificationSecretId: 'verify', algorithms: ['HS256'] }),
      'jwtResolver.algorithms',
    );
    const hmac = fixedSecrets({ verify: sharedSecret(randomBytes(32)) });
    expect(() =>
      jwt({ secrets: hmac, verificationSecretId: 'verify', algorithms: ['HS256'] })(),
    ).not.toThrow();
  });

  it('refuses a key-management algorithm no decryption key serves', async () => {
    const error = expectConfigError(
      jwt({ decryption, keyManagementAlgorithms: ['RSA-OAEP-256'] }),
      'jwtResolver.keyManagementAlgorithms',
    );
    expect(error.message).toContain('RSA-OAEP-256');
    const rsa = await generateKeyPair('RSA-OAEP-256', { extractable: true });
    const rsaKeys = staticDecryptionKeys({ keys: [await exportJWK(rsa.privateKey)] });
    expectConfigError(
      jwt({ decryption: rsaKeys, keyManagementAlgorithms: ['dir'] }),
      'jwtResolver.keyManagementAlgorithms',
    );
    expect(() => jwt({ decryption: rsaKeys, keyManagementAlgorithms: ['RSA-OAEP-256'] })()).not.toThrow();
  });

  it('refuses keys that serve none of the default algorithms, naming where they came from', () => {
    // A 5-byte secret can only be a PBES2 password, which is off unless listed.
    const password = staticDecryptionKeys([new TextEncoder().encode('short')]);
    expectConfigError(jwt({ decryption: password }), 'jwtResolver.decryption');
    const provided = fixedSecrets({}, { decrypt: password });
    expectConfigError(
      jwt({ secrets: provided, decryptionSecretId: 'decrypt' }),
      'jwtResolver.decryptionSecretId',
    );
    expect(() =>
      jwt({ decryption: password, keyManagementAlgorithms: ['PBES2-HS256+A128KW'] })(),
    ).not.toThrow();
  });

  it('never accepts RSA1_5, nor unknown algorithms', () => {
    const error = expectConfigError(
      jwt({ decryption, keyManagementAlgorithms: ['dir', 'RSA1_5'] }),
      'jwtResolver.keyManagementAlgorithms',
    );
    expect(error.message).toContain('never');
    expectConfigError(
      jwt({ decryption, keyManagementAlgorithms: ['A128KW-X'] }),
      'jwtResolver.keyManagementAlgorithms',
    );
    expectConfigError(
      jwt({ decryption, keyManagementAlgorithms: [] }),
      'jwtResolver.keyManagementAlgorithms',
    );
    expectConfigError(
      jwt({ decryption, contentEncryptionAlgorithms: ['A128CBC'] }),
      'jwtResolver.contentEncryptionAlgorithms',
    );
    expectConfigError(
      jwt({ decryption, contentEncryptionAlgorithms: [] }),
      'jwtResolver.contentEncryptionAlgorithms',
    );
  });

  it('checks the decompression cap', () => {
    for (const value of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1024 * 1024 + 1, 1e12]) {
      expectConfigError(jwt({ decryption, maxDecompressedBytes: value }), 'jwtResolver.maxDecompressedBytes');
    }
    for (const value of [0, 1024 * 1024])
      expect(jwt({ decryption, maxDecompressedBytes: value })).not.toThrow();
  });

  it('refuses settings for a purpose that has no keys', () => {
    expectConfigError(jwt({ keys, keyManagementAlgorithms: ['dir'] }), 'jwtResolver.keyManagementAlgorithms');
    expectConfigError(jwt({ keys, maxDecompressedBytes: 1024 }), 'jwtResolver.maxDecompressedBytes');
    expectConfigError(
      jwt({ keys, contentEncryptionAlgorithms: ['A128GCM'] }),
      'jwtResolver.contentEncryptionAlgorithms',
    );
    expectConfigError(jwt({ decryption, algorithms: ['ES256'] }), 'jwtResolver.algorithms');
  });

  it('refuses an unknown profile', () => {
    expectConfigError(jwt({ keys, profile: 'forgerock' as 'access-management' }), 'jwtResolver.profile');
  });
});

describe('staticDecryptionKeys', () => {
  it('refuses sets with no key that can decrypt', async () => {
    expectConfigError(() => staticDecryptionKeys([]), 'staticDecryptionKeys');
    expectConfigError(() => staticDecryptionKeys({ keys: [] }), 'staticDecryptionKeys');
    expectConfigError(() => staticDecryptionKeys(undefined as unknown as []), 'staticDecryptionKeys');
    // Public keys, signing keys and keys of unknown types decrypt nothing.
    const rsa = await generateKeyPair('RSA-OAEP-256', { extractable: true });
    const publicJwk = await exportJWK(rsa.publicKey);
    const privateJwk = await exportJWK(rsa.privateKey);
    for (const jwk of [
      publicJwk,
      { ...privateJwk, use: 'sig' },
      { ...privateJwk, key_ops: ['sign'] },
      { kty: 'XYZ' },
    ]) {
      expectConfigError(() => staticDecryptionKeys({ keys: [jwk] }), 'staticDecryptionKeys');
    }
    expectConfigError(() => staticDecryptionKeys([rsa.publicKey]), 'staticDecryptionKeys');
  });

  describe('refuses a private JWK whose key material WebCrypto could not import, without repeating it', () => {
    const bytes = (length: number, fill = 7) => base64url.encode(new Uint8Array(length).fill(fill));
    const privateJwk = async (alg: string, crv?: string): Promise<JWK> => ({
      ...(await exportJWK((await generateKeyPair(alg, { crv, extractable: true })).privateKey)),
      kid: 'enc-1',
    });
    const cases: [string, string, string | undefined, (jwk: JWK) => JWK][] = [
      ["an empty 'd'", 'ECDH-ES', 'P-256', (jwk) => ({ ...jwk, d: '' })],
      ["a 'd' that is not base64url", 'ECDH-ES', 'P-256', (jwk) => ({ ...jwk, d: 'not base64 !!' })],
      ["a 'd' of 37 bytes", 'ECDH-ES', 'P-256', (jwk) => ({ ...jwk, d: bytes(37) })],
      ["a 'd' of zeros", 'ECDH-ES', 'P-256', (jwk) => ({ ...jwk, d: bytes(32, 0) })],
      ["a 'd' of P-256's length", 'ECDH-ES', 'P-384', (jwk) => ({ ...jwk, d: bytes(32) })],
      ["a 'd' of 65 bytes", 'ECDH-ES', 'P-521', (jwk) => ({ ...jwk, d: bytes(65) })],
      ["no 'x'", 'ECDH-ES', 'P-256', ({ x: _x, ...jwk }) => jwk],
      ["a 'd' of 31 bytes", 'ECDH-ES', 'X25519', (jwk) => ({ ...jwk, d: bytes(31) })],
      ["a 'd' of zeros", 'ECDH-ES', 'X25519', (jwk) => ({ ...jwk, d: bytes(32, 0) })],
      [
        "no 'p', 'q', 'dp', 'dq' or 'qi'",
        'RSA-OAEP-256',
        undefined,
        ({ kty, n, e, d, kid }) => ({ kty, n, e, d, kid }),
      ],
    ];
    it.each(cases)('%s (%s %s)', async (_, alg, crv, spoil) => {
      const good = await privateJwk(alg, crv);
      const bad = spoil(good);
      // The control: the import the first token would run refuses the key too (then 401 unknown_key).
      await expect(importJWK(bad, alg)).rejects.toThrow();
      const error = expectConfigError(() => staticDecryptionKeys({ keys: [bad] }), 'staticDecryptionKeys');
      expect(error.problem).toContain('key "enc-1"');
      for (const member of ['d', 'p', 'q', 'dp', 'dq', 'qi'] as const) {
        const value = bad[member] ?? good[member];
        if (value !== undefined && value.length > 8) expect(error.message).not.toContain(value);
      }
    });

    it('names a key without kid by its position, and fails jwtResolver at start-up', async () => {
      const { kid: _kid, ...good } = await privateJwk('ECDH-ES', 'P-256');
      const error = expectConfigError(
        () =>
          staticDecryptionKeys({
            keys: [
              { kty: 'oct', k: bytes(32) },
              { ...good, d: bytes(32, 0) },
            ],
          }),
        'staticDecryptionKeys',
      );
      expect(error.problem).toContain('key #1');
      // Built as configuration is: the resolver never starts, rather than answering 401 to every token.
      expectConfigError(
        () =>
          jwtResolver({
            issuer: ISSUER,
            audience: AUDIENCE,
            keys,
            decryption: staticDecryptionKeys({ keys: [{ ...good, d: '' }] }),
          }),
        'staticDecryptionKeys',
      );
    });

    it('reads an RSA member that is not base64url as missing', async () => {
      const good = await privateJwk('RSA-OAEP-256');
      const error = expectConfigError(
        () => staticDecryptionKeys({ keys: [{ ...good, qi: `${good.qi!.slice(2)} !` }] }),
        'staticDecryptionKeys',
      );
      expect(error.problem).toContain('"qi"');
      expect(error.message).not.toContain(good.qi!.slice(2));
    });

    it.each([
      ['RSA-OAEP-256', undefined],
      ['ECDH-ES', 'P-256'],
      ['ECDH-ES', 'P-384'],
      ['ECDH-ES', 'P-521'],
      ['ECDH-ES', 'X25519'],
    ])('accepts a sound %s %s JWK', async (alg, crv) => {
      // RSA-OAEP with four hashes; ECDH-ES direct and with three key wraps.
      const source = staticDecryptionKeys({ keys: [await privateJwk(alg, crv)] });
      expect(source.keyManagementAlgorithms.size).toBe(4);
    });
  });

  it('refuses oversized sets', () => {
    expectConfigError(
      () => staticDecryptionKeys(Array.from({ length: 101 }, () => randomBytes(32))),
      'staticDecryptionKeys',
    );
  });

  it('says which algorithms its keys serve', async () => {
    const ec = await generateKeyPair('ECDH-ES', { crv: 'P-256' });
    const source = staticDecryptionKeys([randomBytes(16), ec.privateKey]);
    expect([...source.keyManagementAlgorithms].sort()).toEqual(
      [
        'A128GCMKW',
        'A128KW',
        'ECDH-ES',
        'ECDH-ES+A128KW',
        'ECDH-ES+A192KW',
        'ECDH-ES+A256KW',
        'PBES2-HS256+A128KW',
        'PBES2-HS384+A192KW',
        'PBES2-HS512+A256KW',
        'dir',
      ].sort(),
    );
  });
});
