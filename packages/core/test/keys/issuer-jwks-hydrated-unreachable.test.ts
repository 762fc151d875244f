import { closedPort, generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { issuerJwks, jwtResolver } from '../../src/index.js';
import { AUDIENCE, expectSuccess, mint, NOW_MS, NOW_S, resolveAt } from '../helpers.js';
import { eventually } from '../remote-jwks-setup.js';

// A hydrated set is refreshed at its first use (its age cannot be told). With the issuer unreachable, that
// refresh fails, as its discovery does: the hydrated keys go on answering, and nothing waits for it.

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'saved');
});

describe('issuerJwks: a hydrated set with the issuer unreachable', () => {
  it('answers from the hydrated set, and retries the refresh with the back-off only', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const errors: Error[] = [];
    const keys = issuerJwks({ issuer, onFetchError: (error) => errors.push(error) });
    keys.hydrate(jwksOf(key));
    const resolver = jwtResolver({ issuer, audience: AUDIENCE, keys });
    const token = await mint(key, { iss: issuer, exp: NOW_S + 600 });

    expectSuccess(await resolveAt(resolver, token, NOW_MS));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 1, failures: 1, keys: 1 }));
    expect(errors).toHaveLength(1);
    for (let i = 1; i <= 5; i++) expectSuccess(await resolveAt(resolver, token, NOW_MS + i));
    expect(keys.stats().fetches).toBe(1);
    expect(keys.health(NOW_MS + 5)[0]).toMatchObject({ ready: true, keys: 1, failures: 1 });
  });
});
