// A token says which key signed it only through `kid`; without one, every key of its algorithm fits.
// The work a token can cause is bounded: at most MAX_KEYS_TRIED keys, the best-ranked first.
import { generateSigningKey, type TestSigningKey } from '@rs/testkit';
import { importJWK, type JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { success } from '../../src/errors/failure.js';
import type { VerificationKeySource } from '../../src/index.js';
import { signedJwtVerifier } from '../../src/jose/signed-jwt-verifier.js';
import { staticJwks } from '../../src/keys/static-jwks.js';
import { MAX_KEYS_TRIED } from '../../src/keys/verification-key-source.js';
import { expectFailure, expectSuccess, mint, NOW_MS, withKid } from '../helpers.js';

const SET_SIZE = 8;
let keys: TestSigningKey[];

beforeAll(async () => {
  keys = await Promise.all(Array.from({ length: SET_SIZE }, (_, i) => generateSigningKey('ES256', `k${i}`)));
});

/** The public JWK without the members that rank it (`alg`, `use`) or name it (`kid`). */
function bare(key: TestSigningKey): JWK {
  const { alg: _alg, use: _use, kid: _kid, ...jwk } = key.publicJwk;
  return jwk;
}

/** A key source that offers these keys, in this order, for any token. */
function fixedSource(cryptoKeys: CryptoKey[]): VerificationKeySource {
  return { symmetric: false, keysFor: async () => success(cryptoKeys) };
}

describe('tokens without kid', () => {
  it('is a small documented number', () => {
    expect(MAX_KEYS_TRIED).toBe(3);
  });

  it(`are checked against the first ${MAX_KEYS_TRIED} keys a source offers and refused beyond`, async () => {
    const cryptoKeys = await Promise.all(
      keys.map(async (key) => (await importJWK(bare(key), 'ES256')) as CryptoKey),
    );
    const verifier = signedJwtVerifier(fixedSource(cryptoKeys), ['ES256'], 'test');
    for (const [index, key] of keys.entries()) {
      const token = await mint(key, {}, { omitKid: true });
      const outcome = await verifier.verify(token, NOW_MS);
      if (index < MAX_KEYS_TRIED) expectSuccess(outcome);
      else expectFailure(outcome, 'signature_invalid');
    }
  });

  it('are checked first against keys that name their algorithm, then keys marked for signatures', async () => {
    // Last in the set, but the only key that says it is for ES256: tried first.
    const named = keys.map((key, i) => (i === SET_SIZE - 1 ? { ...bare(key), alg: 'ES256' } : bare(key)));
    const byAlg = signedJwtVerifier(staticJwks({ keys: named }), undefined, 'test');
    expectSuccess(await byAlg.verify(await mint(keys[SET_SIZE - 1]!, {}, { omitKid: true }), NOW_MS));
    expectFailure(
      await byAlg.verify(await mint(keys[SET_SIZE - 2]!, {}, { omitKid: true }), NOW_MS),
      'signature_invalid',
    );

    const marked = keys.map((key, i) => (i === SET_SIZE - 1 ? { ...bare(key), use: 'sig' } : bare(key)));
    const byUse = signedJwtVerifier(staticJwks({ keys: marked }), undefined, 'test');
    expectSuccess(await byUse.verify(await mint(keys[SET_SIZE - 1]!, {}, { omitKid: true }), NOW_MS));
  });

  it('never reach keys of another type: they do not count against the limit', async () => {
    const rsa = await generateSigningKey('RS256', 'r');
    const set = { keys: [bare(rsa), bare(rsa), bare(rsa), bare(keys[0]!)] };
    const verifier = signedJwtVerifier(staticJwks(set), undefined, 'test');
    expectSuccess(await verifier.verify(await mint(keys[0]!, {}, { omitKid: true }), NOW_MS));
  });
});

describe('tokens with kid', () => {
  it(`are checked against at most ${MAX_KEYS_TRIED} keys even when a source offers more under the kid`, async () => {
    // A JWK set may not repeat a kid for one algorithm; a source of another kind could still offer many.
    const cryptoKeys = await Promise.all(
      keys.map(async (key) => (await importJWK(bare(key), 'ES256')) as CryptoKey),
    );
    const verifier = signedJwtVerifier(fixedSource(cryptoKeys), ['ES256'], 'test');
    expectSuccess(await verifier.verify(await mint(withKid(keys[0]!, 'same')), NOW_MS));
    expectFailure(
      await verifier.verify(await mint(withKid(keys[SET_SIZE - 1]!, 'same')), NOW_MS),
      'signature_invalid',
    );
  });
});
