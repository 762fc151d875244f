// An encrypted token names its key only through `kid`; without one, every decryption key of its `alg`
// fits. As for signatures, the work a token can cause is bounded: at most MAX_KEYS_TRIED decryption
// attempts, the best-ranked keys first (a key naming the token's `alg`, then one marked `use: "enc"`).
import { base64url, CompactEncrypt, exportJWK, generateKeyPair, type JWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { success } from '../../src/errors/failure.js';
import { type DecryptionKeySource, jwtResolver, staticDecryptionKeys } from '../../src/index.js';
import { decryptCompactJwe } from '../../src/jose/compact-jwe.js';
import { jweDecryptor } from '../../src/jose/jwe-decryptor.js';
import { MAX_KEYS_TRIED } from '../../src/keys/verification-key-source.js';
import { expectFailure, expectSuccess, ISSUER, NOW_MS, randomBytes, resolveAt } from '../helpers.js';
import { accessClaims, encrypt } from '../jwe-setup.js';

const SET_SIZE = 8;
const DIR = { alg: 'dir', enc: 'A128CBC-HS256' } as const;
const KW = { alg: 'A256KW', enc: 'A128GCM' } as const;

let secrets: Uint8Array[];

beforeAll(() => {
  secrets = Array.from({ length: SET_SIZE }, () => randomBytes(32));
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** A decryption key source that offers these keys, in this order, for any token. */
function fixedSource(keys: readonly (CryptoKey | Uint8Array)[]): DecryptionKeySource {
  return { keysFor: async () => success(keys) };
}

function decryptorOf(...sources: DecryptionKeySource[]) {
  return jweDecryptor(sources, {}, 'jwtResolver.decryption', 'jwtResolver');
}

/** An `oct` JWK of `bytes` with `members` (`alg`, `use`, `kid`) and nothing else. */
function octJwk(bytes: Uint8Array, members: Partial<JWK> = {}): JWK {
  return { kty: 'oct', k: base64url.encode(bytes), ...members };
}

describe('encrypted tokens without kid', () => {
  it('are tried against the same small number of keys as signed tokens', () => {
    expect(MAX_KEYS_TRIED).toBe(3);
  });

  it(`are tried against the first ${MAX_KEYS_TRIED} keys a source offers and refused beyond`, async () => {
    const decryptor = decryptorOf(fixedSource(secrets));
    for (const [index, secret] of secrets.entries()) {
      const outcome = await decryptor.decrypt(await encrypt(accessClaims(), DIR, secret), NOW_MS);
      if (index < MAX_KEYS_TRIED) expectSuccess(outcome);
      else expectFailure(outcome, 'decryption_failed');
    }
  });

  it(`are decrypted with no more than the first ${MAX_KEYS_TRIED} keys they are handed`, async () => {
    const policy = {
      keyManagementAlgorithms: new Set(['dir']),
      contentEncryptionAlgorithms: new Set(['A128CBC-HS256']),
      maxDecompressedBytes: 0,
    };
    for (const [index, secret] of secrets.entries()) {
      const outcome = await decryptCompactJwe(await encrypt(accessClaims(), DIR, secret), secrets, policy);
      if (index < MAX_KEYS_TRIED) expectSuccess(outcome);
      else expectFailure(outcome, 'decryption_failed');
    }
  });

  it(`are tried against ${MAX_KEYS_TRIED} keys in all when several sources offer keys`, async () => {
    const decryptor = decryptorOf(fixedSource(secrets.slice(0, 2)), fixedSource(secrets.slice(2)));
    for (const [index, secret] of secrets.entries()) {
      const outcome = await decryptor.decrypt(await encrypt(accessClaims(), DIR, secret), NOW_MS);
      if (index < MAX_KEYS_TRIED) expectSuccess(outcome);
      else expectFailure(outcome, 'decryption_failed');
    }
  });

  it(`ask no further source once the first offer ${MAX_KEYS_TRIED} keys`, async () => {
    const second = { keysFor: vi.fn(async () => success(secrets.slice(MAX_KEYS_TRIED))) };
    const decryptor = decryptorOf(fixedSource(secrets.slice(0, MAX_KEYS_TRIED)), second);
    const token = await encrypt(accessClaims(), DIR, secrets[MAX_KEYS_TRIED]!);
    expectFailure(await decryptor.decrypt(token, NOW_MS), 'decryption_failed');
    expect(second.keysFor).not.toHaveBeenCalled();
  });

  it('are tried first against keys that name their algorithm, then keys marked for encryption', async () => {
    // The key that names A256KW, last in the set, is tried first; the bare keys before it are not reached.
    const named = secrets.map((secret, i) => octJwk(secret, i === SET_SIZE - 1 ? { alg: 'A256KW' } : {}));
    const byAlg = staticDecryptionKeys({ keys: named });
    const viaAlg = decryptorOf(byAlg);
    expectSuccess(await viaAlg.decrypt(await encrypt(accessClaims(), KW, secrets[SET_SIZE - 1]!), NOW_MS));
    expectFailure(
      await viaAlg.decrypt(await encrypt(accessClaims(), KW, secrets[SET_SIZE - 2]!), NOW_MS),
      'decryption_failed',
    );
    expectSuccess(await viaAlg.decrypt(await encrypt(accessClaims(), KW, secrets[0]!), NOW_MS));

    const marked = secrets.map((secret, i) => octJwk(secret, i === SET_SIZE - 1 ? { use: 'enc' } : {}));
    const viaUse = decryptorOf(staticDecryptionKeys({ keys: marked }));
    expectSuccess(await viaUse.decrypt(await encrypt(accessClaims(), KW, secrets[SET_SIZE - 1]!), NOW_MS));
    expectFailure(
      await viaUse.decrypt(await encrypt(accessClaims(), KW, secrets[SET_SIZE - 2]!), NOW_MS),
      'decryption_failed',
    );

    // Naming the algorithm ranks before the mark: three marked keys do not push the named one out.
    const both = secrets.map((secret, i) =>
      octJwk(secret, i === SET_SIZE - 1 ? { alg: 'A256KW' } : i < 3 ? { use: 'enc' } : {}),
    );
    const viaBoth = decryptorOf(staticDecryptionKeys({ keys: both }));
    expectSuccess(await viaBoth.decrypt(await encrypt(accessClaims(), KW, secrets[SET_SIZE - 1]!), NOW_MS));
    expectSuccess(await viaBoth.decrypt(await encrypt(accessClaims(), KW, secrets[1]!), NOW_MS));
    expectFailure(
      await viaBoth.decrypt(await encrypt(accessClaims(), KW, secrets[2]!), NOW_MS),
      'decryption_failed',
    );
  });

  it('never reach keys that do not fit the algorithm: they do not count against the limit', async () => {
    // Three 16-byte secrets (A128KW, not A256KW) before the key that opens the token.
    const keys = [randomBytes(16), randomBytes(16), randomBytes(16), ...secrets.slice(0, 1)];
    const decryptor = decryptorOf(staticDecryptionKeys(keys));
    expectSuccess(await decryptor.decrypt(await encrypt(accessClaims(), KW, secrets[0]!), NOW_MS));
  });

  it(`cost at most ${MAX_KEYS_TRIED} RSA decryptions when forged, whatever the number of keys`, async () => {
    const pairs = await Promise.all(
      Array.from({ length: MAX_KEYS_TRIED + 3 }, () => generateKeyPair('RSA-OAEP-256')),
    );
    const [stranger, ...ours] = pairs;
    const privateKeys = new Set<unknown>(ours.map((pair) => pair.privateKey));
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      decryption: staticDecryptionKeys(ours.map((pair) => pair.privateKey)),
    });
    const forged = await encrypt('a.b.c', { alg: 'RSA-OAEP-256', enc: 'A256GCM' }, stranger!.publicKey);
    const decrypt = vi.spyOn(crypto.subtle, 'decrypt');
    expectFailure(await resolveAt(resolver, forged), 'decryption_failed');
    const used = decrypt.mock.calls.filter(([, key]) => privateKeys.has(key));
    expect(used).toHaveLength(MAX_KEYS_TRIED);
  });

  it(`cost at most ${MAX_KEYS_TRIED} PBES2 derivations when forged, whatever the number of passwords`, async () => {
    const passwords = Array.from({ length: SET_SIZE }, () => randomBytes(12));
    const resolver = jwtResolver({
      acceptAnyAudience: true,
      issuer: ISSUER,
      decryption: staticDecryptionKeys(passwords),
      keyManagementAlgorithms: ['PBES2-HS256+A128KW'],
    });
    const forged = await new CompactEncrypt(new TextEncoder().encode(JSON.stringify(accessClaims())))
      .setProtectedHeader({ alg: 'PBES2-HS256+A128KW', enc: 'A128GCM' })
      .setKeyManagementParameters({ p2c: 1000 })
      .encrypt(randomBytes(12));
    const derive = vi.spyOn(crypto.subtle, 'deriveBits');
    expectFailure(await resolveAt(resolver, forged), 'decryption_failed');
    const derivations = derive.mock.calls.filter(([algorithm]) => (algorithm as Algorithm).name === 'PBKDF2');
    expect(derivations).toHaveLength(MAX_KEYS_TRIED);
  });
});

describe('encrypted tokens without kid, among keys that could not open them', () => {
  // The header says which keys could have made the token: an ECDH-ES `epk` is on the recipient key's
  // curve, an RSA-OAEP encrypted key is as long as the recipient's modulus. Keys that could not open it
  // must not use up the few tries, or a set holding more than three keys turns away good tokens.
  it('are tried only against ECDH keys on the curve of their epk', async () => {
    const curves = ['P-256', 'P-384', 'X25519', 'P-521'] as const;
    const pairs = await Promise.all(
      curves.map((crv) => generateKeyPair('ECDH-ES', { crv, extractable: true })),
    );
    const jwks = await Promise.all(pairs.map(async (pair) => await exportJWK(pair.privateKey)));
    for (const keys of [
      staticDecryptionKeys({ keys: jwks }),
      staticDecryptionKeys(pairs.map((pair) => pair.privateKey)),
    ]) {
      const decryptor = decryptorOf(keys);
      for (const pair of pairs) {
        const token = await encrypt(
          accessClaims(),
          { alg: 'ECDH-ES+A128KW', enc: 'A128GCM' },
          pair.publicKey,
        );
        expectSuccess(await decryptor.decrypt(token, NOW_MS));
      }
    }
  });

  it('are tried only against RSA keys whose modulus is as long as their encrypted key', async () => {
    const sizes = [2048, 2048, 2048, 3072];
    const pairs = await Promise.all(
      sizes.map((modulusLength) => generateKeyPair('RSA-OAEP-256', { modulusLength, extractable: true })),
    );
    const jwks = await Promise.all(pairs.map(async (pair) => await exportJWK(pair.privateKey)));
    for (const keys of [
      staticDecryptionKeys({ keys: jwks }),
      staticDecryptionKeys(pairs.map((pair) => pair.privateKey)),
    ]) {
      const decryptor = decryptorOf(keys);
      const token = await encrypt(
        accessClaims(),
        { alg: 'RSA-OAEP-256', enc: 'A128GCM' },
        pairs[3]!.publicKey,
      );
      expectSuccess(await decryptor.decrypt(token, NOW_MS));
    }
  });
});

describe('encrypted tokens made for none of the keys of their algorithm', () => {
  // Ruling keys out by the epk curve or the encrypted key's length must not give such a token an answer
  // of its own: it failed to decrypt, as a tampered token does.
  it('answer decryption_failed, with kid or without, as a tampered token does', async () => {
    const p256 = await generateKeyPair('ECDH-ES', { crv: 'P-256', extractable: true });
    const p384 = await generateKeyPair('ECDH-ES', { crv: 'P-384' });
    const rsa2048 = await generateKeyPair('RSA-OAEP-256', { extractable: true });
    const rsa3072 = await generateKeyPair('RSA-OAEP-256', { modulusLength: 3072 });
    const decryptor = decryptorOf(
      staticDecryptionKeys({
        keys: [
          { ...(await exportJWK(p256.privateKey)), kid: 'ec' },
          { ...(await exportJWK(rsa2048.privateKey)), kid: 'rsa' },
        ],
      }),
    );
    // Without kid, and with the kid of the key of its algorithm.
    for (const kid of [undefined, 'ec']) {
      const header = { alg: 'ECDH-ES', enc: 'A128GCM', ...(kid === undefined ? {} : { kid }) };
      const ecdh = await encrypt(accessClaims(), header, p384.publicKey);
      expectFailure(await decryptor.decrypt(ecdh, NOW_MS), 'decryption_failed');
    }
    for (const kid of [undefined, 'rsa']) {
      const header = { alg: 'RSA-OAEP-256', enc: 'A128GCM', ...(kid === undefined ? {} : { kid }) };
      const oaep = await encrypt('a.b.c', header, rsa3072.publicKey);
      expectFailure(await decryptor.decrypt(oaep, NOW_MS), 'decryption_failed');
    }
  });
});

describe('encrypted tokens with kid', () => {
  it(`are tried against at most ${MAX_KEYS_TRIED} keys even when a source offers more under the kid`, async () => {
    // staticDecryptionKeys offers the keys carrying the kid; a source of another kind could offer many.
    const decryptor = decryptorOf(fixedSource(secrets));
    expectSuccess(
      await decryptor.decrypt(await encrypt(accessClaims(), { ...DIR, kid: 'same' }, secrets[0]!), NOW_MS),
    );
    expectFailure(
      await decryptor.decrypt(
        await encrypt(accessClaims(), { ...DIR, kid: 'same' }, secrets[SET_SIZE - 1]!),
        NOW_MS,
      ),
      'decryption_failed',
    );
  });

  it(`whose kid no key carries are tried against at most ${MAX_KEYS_TRIED} of the keys without kid`, async () => {
    const decryptor = decryptorOf(staticDecryptionKeys({ keys: secrets.map((secret) => octJwk(secret)) }));
    const header = { ...KW, kid: 'unknown' };
    expectSuccess(await decryptor.decrypt(await encrypt(accessClaims(), header, secrets[0]!), NOW_MS));
    expectFailure(
      await decryptor.decrypt(await encrypt(accessClaims(), header, secrets[SET_SIZE - 1]!), NOW_MS),
      'decryption_failed',
    );
  });

  it('with a kid are tried first against the key of that kid, whichever source holds it', async () => {
    // A rotation: raw secrets (which carry no kid) in one source, the new key by its kid in another.
    const [old1, old2, old3, fresh] = secrets as [Uint8Array, Uint8Array, Uint8Array, Uint8Array];
    const decryptor = decryptorOf(
      staticDecryptionKeys([old1, old2, old3]),
      staticDecryptionKeys({ keys: [octJwk(fresh, { kid: 'new' })] }),
    );
    expectSuccess(
      await decryptor.decrypt(await encrypt(accessClaims(), { ...DIR, kid: 'new' }, fresh), NOW_MS),
    );
    // A kid no source names still falls back to the keys without one.
    expectSuccess(
      await decryptor.decrypt(await encrypt(accessClaims(), { ...DIR, kid: 'older' }, old2), NOW_MS),
    );
  });
});
