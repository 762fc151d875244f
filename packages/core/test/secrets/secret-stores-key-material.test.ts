// A secret store's value becomes an HMAC key when a resolver verifies with it: the issuer's public key
// there (a PEM file in a Kubernetes secret volume, a JWK's JSON in an environment variable) let anyone who
// has that key sign tokens. Before, every store handed such a value on as an `oct` key and HS256 tokens
// signed with the public key verified. Now it is refused when the resolver is built (or, for stores whose
// values are keys and nothing else, when the store is built).
import { generateKeyPairSync } from 'node:crypto';
import { base64url, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  envSecretStore,
  jwkSetStore,
  jwtResolver,
  type SecretStore,
  secretsProvider,
  sharedSecrets,
} from '../../src/index.js';
import { directorySecretStore, jwkSetFileStore } from '../../src/node/index.js';
import { AUDIENCE, expectConfigError, ISSUER, randomBytes } from '../helpers.js';
import {
  expectNotEchoed,
  type ForeignMaterial,
  foreignMaterials,
  refusal,
  toolNamed,
} from '../keys/foreign-key-materials.js';
import { providerOf, sign, tempDirectory, verifyWith } from '../secrets-setup.js';

const VERIFY = 'jwtResolver.verificationSecretId';
const DECRYPT = 'jwtResolver.decryptionSecretId';

let pem: string;
let jwkText: string;
let spkiDer: Uint8Array;
let materials: ForeignMaterial[];

beforeAll(() => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  pem = publicKey.export({ type: 'spki', format: 'pem' }) as string;
  jwkText = JSON.stringify(publicKey.export({ format: 'jwk' }));
  spkiDer = new Uint8Array(publicKey.export({ type: 'spki', format: 'der' }));
  materials = foreignMaterials();
});

/** A store of the application's, answering every ID with these `oct` keys. */
function storeOf(...secrets: Uint8Array[]): SecretStore {
  return {
    name: 'vault',
    keys: () =>
      secrets.map((bytes, n) => ({ jwk: { kty: 'oct', k: base64url.encode(bytes) }, origin: `vault #${n}` })),
  };
}

function resolverOver(store: SecretStore) {
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    secrets: secretsProvider({ stores: [store] }),
    verificationSecretId: 'am.hmac',
  });
}

describe('envSecretStore: a value that is a key of another kind', () => {
  it.each([
    ['a PEM public key, plain', () => ({ AM_HMAC: pem }), 'plain', 'a PEM key or certificate'],
    [
      'a PEM public key in base64 (as Kubernetes writes it)',
      () => ({ AM_HMAC: Buffer.from(pem).toString('base64') }),
      'base64',
      'a PEM key or certificate',
    ],
    [
      'a DER public key in base64',
      () => ({ AM_HMAC: Buffer.from(spkiDer).toString('base64') }),
      'base64',
      'a DER-encoded key',
    ],
    ['a public JWK as JSON, plain', () => ({ AM_HMAC: jwkText }), 'plain', 'the JSON text of a JWK'],
  ] as const)('refuses %s when the resolver is built, naming the variable', (_, env, format, kind) => {
    const error = expectConfigError(() => resolverOver(envSecretStore({ env: env(), format })), VERIFY);
    expect(error.problem).toContain('environment variable AM_HMAC');
    expect(error.problem).toContain(`the secret is ${kind}`);
    expectNotEchoed(error.message, new TextEncoder().encode(env().AM_HMAC));
  });

  it('refuses it for decryption too (an AES key anyone has hides nothing)', () => {
    const provider = providerOf(envSecretStore({ env: { AM_AES: pem }, format: 'plain' }));
    const error = expectConfigError(() => provider.decryptionKeys('am.aes', DECRYPT), DECRYPT);
    expect(error.problem).toContain('a PEM key or certificate, not a shared secret');
  });

  it('still verifies with a random secret, in base64 as in plain text', async () => {
    const secret = randomBytes(32);
    const text = Buffer.from(randomBytes(32)).toString('hex');
    const provider = providerOf(
      envSecretStore({ env: { AM_HMAC: Buffer.from(secret).toString('base64') } }),
      envSecretStore({ env: { AM_HEX: text }, format: 'plain' }),
    );
    expect(
      await verifyWith(provider.verificationKeys('am.hmac', VERIFY), await sign(secret, { alg: 'HS256' })),
    ).toBeDefined();
    const hexSecret = new TextEncoder().encode(text);
    expect(
      await verifyWith(provider.verificationKeys('am.hex', VERIFY), await sign(hexSecret, { alg: 'HS256' })),
    ).toBeDefined();
  });
});

describe('directorySecretStore: a file that is a key of another kind', () => {
  it('refuses a PEM file, a DER file and a base64 DER file when the resolver is built, naming the file', () => {
    const directory = tempDirectory({
      'am.hmac': pem,
      'am.der': spkiDer,
      'am.b64': `${Buffer.from(spkiDer)
        .toString('base64')
        .replace(/(.{64})/g, '$1\n')}\n`,
    });
    const plain = directorySecretStore({ directory, format: 'plain' });
    const base64 = directorySecretStore({ directory, format: 'base64' });
    for (const [store, secretId, kind] of [
      [plain, 'am.hmac', 'a PEM key or certificate'],
      [plain, 'am.der', 'a DER-encoded key or certificate'],
      [base64, 'am.b64', 'a DER-encoded key or certificate'],
    ] as const) {
      const error = expectConfigError(() => providerOf(store).verificationKeys(secretId, VERIFY), VERIFY);
      expect(error.problem).toContain(`${directory}/${secretId}`);
      expect(error.problem).toContain(`the secret is ${kind}, not a shared secret`);
      expect(error.problem).toContain('pemSecretStore(…) of @rs/core/node');
      expectNotEchoed(error.message, new TextEncoder().encode(pem));
    }
  });

  it('still reads such a file as a password, which is no key', () => {
    const directory = tempDirectory({ 'am.hmac': pem });
    // The store itself refuses nothing: its values may be the passwords of other stores.
    const [key] = directorySecretStore({ directory, format: 'plain' }).keys!('am.hmac')!;
    expect(key!.jwk.kty).toBe('oct');
  });
});

describe('sharedSecrets: a value that is a key of another kind', () => {
  it('refuses it when the store is built, naming the secret ID, as a single value or among several', () => {
    for (const secrets of [{ 'am.hmac': pem }, { 'am.hmac': [randomBytes(32), jwkText] }]) {
      const error = expectConfigError(() => sharedSecrets(secrets), 'sharedSecrets');
      expect(error.problem).toContain('sharedSecrets "am.hmac"');
      expect(error.problem).toContain('not a shared secret');
      expectNotEchoed(error.message, new TextEncoder().encode(pem));
    }
  });
});

describe('jwkSetStore and jwkSetFileStore: an oct key whose secret is a key of another kind', () => {
  it('refuses it when the store is built, naming the key', () => {
    const keys = [{ kty: 'oct', kid: 'hmac-1', k: base64url.encode(pem) }] as JWK[];
    const error = expectConfigError(() => jwkSetStore({ jwks: { keys } }), 'jwkSetStore.jwks');
    expect(error.problem).toContain('key "hmac-1": "k" is a PEM key or certificate, not a shared secret');
    const directory = tempDirectory({ 'jwks.json': JSON.stringify({ keys }) });
    const fromFile = expectConfigError(
      () => jwkSetFileStore({ file: `${directory}/jwks.json` }),
      'jwkSetFileStore.file',
    );
    expect(fromFile.problem).toContain('"k" is a PEM key or certificate');
  });
});

describe("an application's own store: the secrets provider refuses what such a store hands over", () => {
  it('refuses every kind and form of key material when the resolver is built, never repeating it', () => {
    for (const material of materials) {
      const error = refusal(() => resolverOver(storeOf(material.bytes)), VERIFY, material.label);
      expect(error.problem, material.label).toContain('vault #0: the secret is');
      expect(error.problem, material.label).toContain(toolNamed(material));
      expectNotEchoed(error.message, material.bytes);
    }
  });

  it('refuses a secret whose later key is one, rather than skipping it', () => {
    const error = expectConfigError(
      () => resolverOver(storeOf(randomBytes(32), new TextEncoder().encode(pem))),
      VERIFY,
    );
    expect(error.problem).toContain('vault #1: the secret is a PEM key or certificate');
  });
});
