import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type DecryptionKeySource,
  type JwtResolverOptions,
  jwtResolver,
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
    expect(error.message).toContain('keystore password refused');
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
    for (const value of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expectConfigError(jwt({ decryption, maxDecompressedBytes: value }), 'jwtResolver.maxDecompressedBytes');
    }
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
