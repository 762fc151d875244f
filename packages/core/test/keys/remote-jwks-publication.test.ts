import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import type { JWK } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { JwkSetError } from '../../src/index.js';
import { expectFailure, expectSuccess, mint, NOW_MS, NOW_S, resolveAt } from '../helpers.js';
import { eventually, remoteJwksFixture } from '../remote-jwks-setup.js';

// A broken publication never replaces good keys: every key is checked when the set arrives.

const MAX_AGE = 60_000;

let keyA: TestSigningKey;
let keyB: TestSigningKey;
let rsa: TestSigningKey;
let tokenA: string;
let tokenB: string;
/** What a broken publication looks like: each of these keys is unusable, for its own reason. */
let unusableKeys: JWK[];

beforeAll(async () => {
  [keyA, keyB, rsa] = await Promise.all([
    generateSigningKey('ES256', 'key-a'),
    generateSigningKey('ES256', 'key-b'),
    generateSigningKey('RS256', 'rsa'),
  ]);
  tokenA = await mint(keyA, { exp: NOW_S + 86_400 });
  tokenB = await mint(keyB, { exp: NOW_S + 86_400 });
  const { n: _n, ...rsaWithoutN } = rsa.publicJwk;
  unusableKeys = [
    { kty: 'nonsense', kid: 'nonsense' },
    { ...rsaWithoutN, kid: 'no-n' },
    { ...keyA.publicJwk, y: keyA.publicJwk.x }, // kid key-a, the point off the curve
    { ...rsa.publicJwk, kid: 'e-1', e: 'AQ' },
  ];
});

const setup = remoteJwksFixture({ cacheMaxAge: MAX_AGE });

describe('remoteJwks: a broken publication', () => {
  it('keeps the last good keys when every published key is unusable, and reports each one', async () => {
    const { server, keys, resolver, errors } = await setup(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.setDocument({ keys: unusableKeys });

    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE));
    await eventually(() => expect(errors).toHaveLength(1));
    const error = errors[0] as JwkSetError;
    expect(error).toBeInstanceOf(JwkSetError);
    expect(error.code).toBe('ERR_RS_JWKS_NO_USABLE_KEY');
    expect(error.unusableKeys).toEqual([
      { key: '"nonsense"', reason: 'unknown "kty"' },
      { key: '"no-n"', reason: '"n" is missing or not base64url' },
      { key: '"key-a"', reason: 'the point is not on P-256' },
      { key: '"e-1"', reason: expect.stringContaining('its public exponent is 1') },
    ]);
    expect(keys.stats()).toEqual({ fetches: 2, failures: 1, keys: 1 });

    // The good key keeps working, through the whole back-off and beyond.
    for (let i = 1; i <= 30; i++)
      expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE + i * 1_000));
    expect(keys.stats().keys).toBe(1);
    // A kid only the broken publication names could not be checked: the server's problem.
    expectFailure(await resolveAt(resolver, tokenB, NOW_MS + MAX_AGE + 31_000), 'keys_unavailable');

    // The issuer republishes a good set: it is taken at the next attempt.
    server.setDocument(jwksOf(keyA, keyB));
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS + MAX_AGE + 60_000));
    expect(keys.stats().keys).toBe(2);
  });

  it('keeps the last good keys when the endpoint answers garbage', async () => {
    const { server, keys, resolver, errors } = await setup(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.garbage();
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE));
    await eventually(() => expect(errors).toHaveLength(1));
    expect((errors[0] as JwkSetError).code).toBe('ERR_RS_JWKS_MALFORMED');
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE + 1));
    expect(keys.stats()).toEqual({ fetches: 2, failures: 1, keys: 1 });
  });

  it('refuses a set nested deeper than 32 levels before parsing it, keeping the last good keys', async () => {
    const { server, keys, resolver, errors } = await setup(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    let deep: unknown = [];
    for (let level = 0; level < 40; level++) deep = [deep];
    // Usable keys beside a member no reader needs: the depth alone refuses it, as it would 8 million.
    server.setDocument({ keys: [keyA.publicJwk, keyB.publicJwk], 'x-extra': deep });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE));
    await eventually(() => expect(errors).toHaveLength(1));
    expect(errors[0]).toMatchObject({
      code: 'ERR_RS_JWKS_MALFORMED',
      message: expect.stringMatching(/deeper than 32 levels/),
    });
    expect(keys.stats()).toEqual({ fetches: 2, failures: 1, keys: 1 });
  });

  it('takes a set with one usable key, leaving out and reporting the broken ones, not the encryption keys', async () => {
    const { server, keys, resolver, errors } = await setup(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    const encryptionKey = { ...rsa.publicJwk, kid: 'enc', use: 'enc', alg: 'RSA-OAEP-256' };
    server.setDocument({ keys: [...unusableKeys, keyB.publicJwk, encryptionKey] });

    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE));
    await eventually(() => expect(errors).toHaveLength(1));
    const error = errors[0] as JwkSetError;
    expect(error.code).toBe('ERR_RS_JWKS_KEYS_LEFT_OUT');
    expect(error.unusableKeys.map((unusable) => unusable.key)).toEqual([
      '"nonsense"',
      '"no-n"',
      '"key-a"',
      '"e-1"',
    ]);
    expect(keys.stats()).toEqual({ fetches: 2, failures: 0, keys: 1 });

    // The new set is in use: key B verifies; key A's kid now names only a broken key.
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS + MAX_AGE + 1));
    expectFailure(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE + 2), 'unknown_key');
  });

  it('answers 503 when the first set ever fetched has no usable key', async () => {
    const { keys, resolver, errors } = await setup({ keys: unusableKeys });
    expectFailure(await resolveAt(resolver, tokenA, NOW_MS), 'keys_unavailable');
    expect((errors[0] as JwkSetError).code).toBe('ERR_RS_JWKS_NO_USABLE_KEY');
    expect(keys.stats()).toEqual({ fetches: 1, failures: 1, keys: 0 });
  });
});
