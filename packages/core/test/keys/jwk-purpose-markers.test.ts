// A key given as a JWK says what it is for three ways: `use`, `key_ops` and `alg`; `ext` and the form of
// `key_ops` are WebCrypto's to read at import. Every place a JWK enters @rs judges all of them when the
// key arrives, the same way, and imports only the key material: a key is either refused now, saying why,
// or it works. Before, some keys passed the checks and then failed jose's import at every token (401
// unknown_key, nothing reported), and some decryption keys were used to sign.
import { generateSigningKey, type JwksServer, startJwksServer, type TestSigningKey } from '@rs/testkit';
import { exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type JwkSetError,
  jwtResolver,
  remoteJwks,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { jwkPurposeProblem } from '../../src/keys/jwk-purpose.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  resolveAt,
  withKid,
} from '../helpers.js';
import { decryptWith, encrypt } from '../secrets-setup.js';

let rsa: TestSigningKey;
let ed25519: TestSigningKey;
let rsaToken: string;
let rsaPublic: JWK;
let encryption: CryptoKeyPair;
let encryptionJwk: JWK;
let ecdh: CryptoKeyPair;
let ecdhJwk: JWK;

beforeAll(async () => {
  [rsa, ed25519] = await Promise.all([generateSigningKey('RS256', 'r1'), generateSigningKey('EdDSA', 'd1')]);
  rsaToken = await mint(rsa);
  // The bare public key: no `use`, `alg` or `key_ops` of its own, each test adds the one it is about.
  const { kty, n, e } = rsa.publicJwk;
  rsaPublic = { kty, n, e, kid: 'r1' };
  encryption = await generateKeyPair('RSA-OAEP-256', { extractable: true });
  encryptionJwk = { ...(await exportJWK(encryption.privateKey)), kid: 'enc-1' };
  ecdh = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
  ecdhJwk = { ...(await exportJWK(ecdh.privateKey)), kid: 'ecdh-1' };
});

const servers: JwksServer[] = [];
afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

function staticResolver(...keys: JWK[]) {
  return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks({ keys }) });
}

describe('verification keys: key_ops and ext are judged by @rs, and only the key material is imported', () => {
  it('a public key whose key_ops say sign and verify verifies (jose alone would not import it)', async () => {
    const jwk = { ...rsaPublic, key_ops: ['verify', 'sign'] };
    // The control: jose hands key_ops to WebCrypto as the key's usages, which refuses "sign" on a public key.
    await expect(importJWK(jwk, 'RS256')).rejects.toThrow();
    expectSuccess(await resolveAt(staticResolver(jwk), rsaToken));
  });

  it("an issuer's public key listing every operation its vault allows verifies (Azure Key Vault)", async () => {
    const keyVault = ['encrypt', 'decrypt', 'sign', 'verify', 'wrapKey', 'unwrapKey'];
    expectSuccess(await resolveAt(staticResolver({ ...rsaPublic, key_ops: keyVault }), rsaToken));
    // Without verify among them, the key is for something else: left out.
    const withoutVerify = keyVault.filter((operation) => operation !== 'verify');
    expect(
      (await resolveAt(staticResolver({ ...rsaPublic, key_ops: withoutVerify }, ed25519.publicJwk), rsaToken))
        .ok,
    ).toBe(false);
  });

  it('an "ext" of true or false is no obstacle', async () => {
    expectSuccess(
      await resolveAt(staticResolver({ ...rsaPublic, ext: true, key_ops: ['verify'] }), rsaToken),
    );
    expectSuccess(await resolveAt(staticResolver({ ...rsaPublic, ext: false }), rsaToken));
  });

  it.each([
    ['key_ops that are not unique', { key_ops: ['verify', 'verify'] }, /unique strings/],
    ['key_ops that are not all strings', { key_ops: ['verify', 5] }, /unique strings/],
    ['an ext that is not a boolean', { ext: 'no' }, /"ext" is not a boolean/],
  ] as const)(
    'staticJwks refuses, when built, a key with %s (every token was 401 unknown_key)',
    (_, members, reason) => {
      const error = expectConfigError(
        () => staticJwks({ keys: [{ ...rsaPublic, ...members } as unknown as JWK] }),
        'staticJwks',
      );
      expect(error.problem).toMatch(reason);
      expect(error.problem).toContain('key "r1"');
      expect(error.message).not.toContain(rsaPublic.n);
    },
  );

  it('a key marked for encryption is still left out quietly beside a signing key', async () => {
    const resolver = staticResolver({ ...encryptionJwkPublic(), use: 'enc', kid: 'enc-1' }, rsaPublic);
    expectSuccess(await resolveAt(resolver, rsaToken));
  });

  it('a remote set whose key says key_ops ["sign", "verify"] serves it', async () => {
    const server = await startJwksServer({ keys: [{ ...rsaPublic, key_ops: ['sign', 'verify'] }] });
    servers.push(server);
    const errors: Error[] = [];
    const keys = remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) });
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    expectSuccess(await resolveAt(resolver, rsaToken));
    expect(keys.stats()).toMatchObject({ keys: 1 });
    expect(errors).toEqual([]);
  });

  it('a remote set reports its keys that jose could not import, and does not count them', async () => {
    const server = await startJwksServer({
      keys: [
        { ...rsaPublic, key_ops: ['verify', 'verify'] },
        { ...ed25519.publicJwk, ext: 'no' },
        { ...ed25519.publicJwk, kid: 'd2' },
      ],
    });
    servers.push(server);
    const errors: Error[] = [];
    const keys = remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) });
    await keys.preload();
    expect(keys.stats()).toMatchObject({ keys: 1 });
    expect(errors).toHaveLength(1);
    const error = errors[0] as JwkSetError;
    expect(error.code).toBe('ERR_RS_JWKS_KEYS_LEFT_OUT');
    expect(error.unusableKeys.map((key) => key.key)).toEqual(['"r1"', '"d1"']);
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    expectSuccess(await resolveAt(resolver, await mint(withKid(ed25519, 'd2'))));
  });

  it('a key that passed the checks and still fails to import is reported once, as a broken key', async () => {
    const server = await startJwksServer({ keys: [ed25519.publicJwk, rsa.publicJwk] });
    servers.push(server);
    const errors: Error[] = [];
    const keys = remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) });
    await keys.preload();
    expect(keys.stats()).toMatchObject({ keys: 2 });
    // A runtime whose WebCrypto lacks Ed25519 (older browsers and Workers): the platform refuses, not @rs.
    const importKey = crypto.subtle.importKey.bind(crypto.subtle);
    vi.spyOn(crypto.subtle, 'importKey').mockImplementation(((
      ...args: Parameters<SubtleCrypto['importKey']>
    ) => {
      const algorithm = args[2];
      const name = typeof algorithm === 'string' ? algorithm : algorithm.name;
      if (name === 'Ed25519')
        return Promise.reject(new DOMException('Unrecognized name', 'NotSupportedError'));
      return importKey(...args);
    }) as SubtleCrypto['importKey']);
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    const edToken = await mint(ed25519);
    expectFailure(await resolveAt(resolver, edToken), 'unknown_key');
    expectFailure(await resolveAt(resolver, edToken), 'unknown_key');
    expectSuccess(await resolveAt(resolver, rsaToken));
    expect(errors).toHaveLength(1);
    const error = errors[0] as JwkSetError;
    expect(error.code).toBe('ERR_RS_JWKS_KEYS_LEFT_OUT');
    expect(error.message).toContain('"d1"');
    expect(error.unusableKeys).toEqual([
      { key: '"d1"', reason: 'this runtime could not import it for EdDSA' },
    ]);
    expect(keys.stats()).toMatchObject({ keys: 1 });
  });
});

describe('decryption keys: the same markers, the same import of key material only', () => {
  async function decrypts(jwk: JWK): Promise<boolean> {
    const source = staticDecryptionKeys({ keys: [jwk] });
    const jwe = await encrypt(encryption.publicKey, { alg: 'RSA-OAEP-256', enc: 'A256GCM', kid: 'enc-1' });
    return (await decryptWith(source, jwe)) !== undefined;
  }

  it('a key with every marker right decrypts', async () => {
    const marked = {
      ...encryptionJwk,
      use: 'enc',
      alg: 'RSA-OAEP-256',
      key_ops: ['decrypt', 'unwrapKey'],
      ext: false,
    };
    expect(await decrypts(marked)).toBe(true);
  });

  it.each([
    ['an ext that is not a boolean', { ext: 'no' }, /"ext" is not a boolean/],
    ['key_ops that also sign', { key_ops: ['decrypt', 'sign'] }, /mix signature and encryption/],
    ['key_ops that are not unique', { key_ops: ['decrypt', 'decrypt'] }, /unique strings/],
    ['an alg of another key type', { alg: 'ECDH-ES' }, /"alg" "ECDH-ES" does not fit the key/],
    ['an alg that is not supported', { alg: 'RSA1_5' }, /not a supported JWE algorithm/],
    ['a kid that is not a string', { kid: 5 }, /"kid" is not a string/],
  ] as const)('staticDecryptionKeys refuses, when built, an RSA key with %s', (_, members, reason) => {
    const error = expectConfigError(
      () => staticDecryptionKeys({ keys: [{ ...encryptionJwk, ...members } as JWK] }),
      'staticDecryptionKeys',
    );
    expect(error.problem).toMatch(reason);
    expect(error.message).not.toContain(encryptionJwk.d);
    expect(error.message).not.toContain(encryptionJwk.p);
  });

  it('refuses an EC private key whose public point is off its curve (every token was 401 unknown_key)', () => {
    const error = expectConfigError(
      () => staticDecryptionKeys({ keys: [{ ...ecdhJwk, y: ecdhJwk.x }] }),
      'staticDecryptionKeys',
    );
    expect(error.problem).toBe('key "ecdh-1": the point is not on P-256');
  });

  it('refuses an entry that is no key at all rather than skip it', () => {
    const error = expectConfigError(
      () => staticDecryptionKeys([new Uint8Array(32), 'not a key' as never]),
      'staticDecryptionKeys',
    );
    expect(error.problem).toContain('key #1');
  });

  it('leaves out keys marked for signatures, and says so when no key is left', () => {
    const error = expectConfigError(
      () =>
        staticDecryptionKeys({
          keys: [
            { ...encryptionJwk, use: 'sig' },
            { ...encryptionJwk, kid: 'enc-2', alg: 'RS256' },
            { ...encryptionJwk, kid: 'enc-3', key_ops: ['sign'] },
          ],
        }),
      'staticDecryptionKeys',
    );
    expect(error.problem).toContain('key "enc-1": it is marked "use": "sig"');
    expect(error.problem).toContain('key "enc-2": "alg" "RS256" is a signature algorithm');
    expect(error.problem).toContain('key "enc-3": its "key_ops" allow no decryption');
  });

  it('refuses a CryptoKey whose usages do not allow decrypting (jose refused it at every token)', async () => {
    const jwk = { ...encryptionJwk, key_ops: ['unwrapKey'] };
    const key = await crypto.subtle.importKey('jwk', jwk, { name: 'RSA-OAEP', hash: 'SHA-256' }, false, [
      'unwrapKey',
    ]);
    const error = expectConfigError(() => staticDecryptionKeys([key]), 'staticDecryptionKeys');
    expect(error.problem).toContain('lack "decrypt"');
  });

  it('an ECDH key with every marker right decrypts', async () => {
    const source = staticDecryptionKeys({
      keys: [{ ...ecdhJwk, use: 'enc', alg: 'ECDH-ES', key_ops: ['deriveBits'], ext: true }],
    });
    const jwe = await encrypt(ecdh.publicKey, { alg: 'ECDH-ES', enc: 'A256GCM', kid: 'ecdh-1' });
    expect(await decryptWith(source, jwe)).toBe('{"sub":"demo"}');
  });
});

describe('jwkPurposeProblem: one rule for every purpose', () => {
  it('keeps signature keys and decryption keys apart by use, key_ops and alg', () => {
    expect(jwkPurposeProblem({ kty: 'RSA', use: 'enc' }, 'sign', { algorithm: 'RS256' })).toEqual({
      broken: false,
      reason: 'it is marked "use": "enc"',
    });
    expect(
      jwkPurposeProblem({ kty: 'RSA', alg: 'RSA-OAEP-256' }, 'sign', { algorithm: 'RS256' })?.broken,
    ).toBe(true);
    expect(jwkPurposeProblem({ kty: 'RSA', alg: 'PS256' }, 'sign', { algorithm: 'RS256' })?.reason).toContain(
      'not the algorithm RS256',
    );
    expect(
      jwkPurposeProblem({ kty: 'OKP', crv: 'Ed25519', alg: 'EdDSA' }, 'sign', { algorithm: 'Ed25519' }),
    ).toBe(undefined);
    expect(jwkPurposeProblem({ kty: 'RSA', use: 'sig' }, 'decrypt')?.broken).toBe(false);
    expect(jwkPurposeProblem({ kty: 'RSA', key_ops: ['sign'] }, 'verify')?.broken).toBe(false);
    expect(jwkPurposeProblem({ kty: 'RSA', key_ops: ['sign'] }, 'verify', { signingKey: true })).toBe(
      undefined,
    );
    expect(jwkPurposeProblem({ kty: 'oct', alg: 'A256GCM' }, 'decrypt')).toBe(undefined);
    expect(jwkPurposeProblem({ kty: 'RSA', alg: 'A256GCM' }, 'decrypt')?.broken).toBe(true);
  });

  it('quotes a marker cut short, never at length', () => {
    const reason = jwkPurposeProblem({ kty: 'RSA', use: 'x'.repeat(10_000) }, 'verify')?.reason ?? '';
    expect(reason.length).toBeLessThan(100);
  });
});

function encryptionJwkPublic(): JWK {
  const { kty, n, e } = encryptionJwk;
  return { kty, n, e };
}
