import { createPrivateKey, createPublicKey, generateKeyPairSync, type JsonWebKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startJwksServer } from '@rs/testkit';
import type { JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  introspectionResolver,
  jwkSetStore,
  jwtResolver,
  remoteJwks,
  secretsProvider,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { importVerificationKey } from '../../src/keys/jwk-index.js';
import { jwkSetFileStore, pemSecretStore, pkcs12SecretStore } from '../../src/node/index.js';
import type { SecretStore } from '../../src/secrets/secret-store.js';
import { AUDIENCE, expectConfigError, expectFailure, ISSUER, resolveAt } from '../helpers.js';
import { KEYSTORES, tempDirectory } from '../secrets-setup.js';

// Every way an RSA key can enter @rs goes through one check (rsaKeyProblem): a modulus of 2048 bits or
// more, and a public exponent that is odd and at least 3. Each path below is shown refusing both kinds of
// weak key, with real keys: a 1024-bit key made by Node, and a 2048-bit key whose exponent is 1.

interface WeakKey {
  /** What the refusal says. */
  readonly problem: string;
  /** The private key, as a JWK with `kid`. */
  readonly privateJwk: JWK;
  /** The public key, as a JWK with `kid` and `alg`. */
  readonly publicJwk: JWK;
  /** A PKCS#12 keystore (password "password") holding the key under `alias`. */
  readonly keystore: { readonly file: string; readonly alias: string };
}

const weakKeys: Record<'1024 bits' | 'exponent 1', WeakKey> = {} as never;

beforeAll(() => {
  const short = generateKeyPairSync('rsa', { modulusLength: 1024 });
  weakKeys['1024 bits'] = {
    problem: 'its modulus is 1024 bits: RSA keys need 2048 bits or more',
    privateJwk: { ...(short.privateKey.export({ format: 'jwk' }) as JWK), kid: 'weak' },
    publicJwk: { ...(short.publicKey.export({ format: 'jwk' }) as JWK), kid: 'weak', alg: 'RS256' },
    keystore: { file: join(KEYSTORES, 'rsa-1024.p12'), alias: 'short-key' },
  };
  const honest = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' });
  const exponentOne = { ...honest, e: 'AQ', d: 'AQ', dp: 'AQ', dq: 'AQ' } as JWK;
  weakKeys['exponent 1'] = {
    problem: 'its public exponent is 1',
    privateJwk: { ...exponentOne, kid: 'weak' },
    publicJwk: { kty: 'RSA', n: exponentOne.n, e: 'AQ', kid: 'weak', alg: 'RS256' },
    keystore: { file: join(KEYSTORES, 'rsa-exponent-1.p12'), alias: 'weak-key' },
  };
});

const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');

function pem(jwk: JWK, type: 'public' | 'private'): string {
  const key =
    type === 'public'
      ? createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' })
      : createPrivateKey({ key: jwk as JsonWebKey, format: 'jwk' });
  return key.export({ format: 'pem', type: type === 'public' ? 'spki' : 'pkcs8' }) as string;
}

describe.each(['1024 bits', 'exponent 1'] as const)('an RSA key with %s is refused', (kind) => {
  const weak = () => weakKeys[kind];

  it('in a static JWK set', () => {
    const error = expectConfigError(() => staticJwks({ keys: [weak().publicJwk] }), 'staticJwks');
    expect(error.message).toContain(`key "weak": ${weak().problem}`);
  });

  describe('in a remote JWK set', () => {
    let server: Awaited<ReturnType<typeof startJwksServer>>;
    beforeAll(async () => {
      server = await startJwksServer({ keys: [weak().publicJwk] });
    });
    afterAll(() => server.close());

    it('when fetched: tokens get keys_unavailable and onFetchError says why', async () => {
      const errors: Error[] = [];
      const resolver = jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) }),
      });
      // The key is refused before any signature is checked: the token needs only to name it.
      const token = `${encode({ alg: 'RS256', kid: 'weak' })}.${encode({ iss: ISSUER, aud: AUDIENCE })}.AAAA`;
      expectFailure(await resolveAt(resolver, token), 'keys_unavailable');
      expect(errors).toHaveLength(1);
      expect(errors[0]!.message).toContain(`"weak": ${weak().problem}`);
    });
  });

  it('in a JWK set secret store', () => {
    const error = expectConfigError(
      () => jwkSetStore({ jwks: { keys: [weak().publicJwk] } }),
      'jwkSetStore.jwks',
    );
    expect(error.message).toContain(weak().problem);
  });

  it('in a JWK set file', () => {
    const directory = tempDirectory({ 'jwks.json': JSON.stringify({ keys: [weak().publicJwk] }) });
    const error = expectConfigError(
      () => jwkSetFileStore({ file: join(directory, 'jwks.json') }),
      'jwkSetFileStore.file',
    );
    expect(error.message).toContain(weak().problem);
  });

  it.each(['public', 'private'] as const)('in a PEM %s key file', (type) => {
    const directory = tempDirectory();
    const file = join(directory, `weak.${type}.pem`);
    writeFileSync(file, pem(weak().privateJwk, type));
    const error = expectConfigError(
      () => pemSecretStore({ secrets: { signing: file } }),
      'pemSecretStore.secrets',
    );
    expect(error.message).toContain(weak().problem);
  });

  it('in a PKCS#12 keystore', () => {
    const { file, alias } = weak().keystore;
    const error = expectConfigError(
      () =>
        pkcs12SecretStore({
          file,
          storePassword: 'password',
          mappings: [{ secretId: 'signing', aliases: [alias] }],
        }),
      'pkcs12SecretStore.mappings',
    );
    expect(error.message).toContain(`alias "${alias}" holds an RSA key that is refused: ${weak().problem}`);
  });

  it.each([
    ['verification', 'verificationSecretId'],
    ['decryption', 'decryptionSecretId'],
  ] as const)('from any other secret store, for %s, when the resolver is built', (_purpose, option) => {
    const custom: SecretStore = {
      name: 'vault',
      keys: () => [{ jwk: weak().privateJwk, origin: 'vault key' }],
    };
    const secrets = secretsProvider({ stores: [custom] });
    const error = expectConfigError(
      () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, secrets, [option]: 'weak' }),
      `jwtResolver.${option}`,
    );
    expect(error.message).toContain(`vault key: ${weak().problem}`);
  });

  it('as the key of client assertions to the introspection endpoint', () => {
    const error = expectConfigError(
      () =>
        introspectionResolver({
          endpoint: 'https://as.example.com/introspect',
          audience: AUDIENCE,
          clientAuthentication: {
            method: 'private_key_jwt',
            clientId: 'rs',
            privateKey: weak().privateJwk,
            algorithm: 'RS256',
          },
        }),
      'introspectionResolver.clientAuthentication.privateKey',
    );
    expect(error.message).toContain(weak().problem);
  });

  it('among static decryption keys', () => {
    const error = expectConfigError(
      () => staticDecryptionKeys({ keys: [weak().privateJwk] }),
      'staticDecryptionKeys',
    );
    expect(error.message).toContain(weak().problem);
  });

  it('at import, the last gate of every verification key', async () => {
    await expect(importVerificationKey(weak().publicJwk, 'RS256')).rejects.toThrow(weak().problem);
  });
});

describe('sound RSA keys still enter every way', () => {
  it('a 2048-bit key with e = 65537, and one with e = 3', async () => {
    const standard = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const exponentThree = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    for (const pair of [standard, exponentThree]) {
      const publicJwk = { ...(pair.publicKey.export({ format: 'jwk' }) as JWK), kid: 'sound' };
      const privateJwk = { ...(pair.privateKey.export({ format: 'jwk' }) as JWK), kid: 'sound' };
      expect(() => staticJwks({ keys: [publicJwk] })).not.toThrow();
      expect(() => jwkSetStore({ jwks: { keys: [publicJwk] } })).not.toThrow();
      expect(() => staticDecryptionKeys({ keys: [privateJwk] })).not.toThrow();
      const directory = tempDirectory({ 'sound.pem': pem(privateJwk, 'private') });
      expect(() => pemSecretStore({ secrets: { signing: join(directory, 'sound.pem') } })).not.toThrow();
      await expect(importVerificationKey(publicJwk, 'RS256')).resolves.toBeDefined();
    }
  });
});
