import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectFailure, expectSuccess, mint, NOW_MS, NOW_S, resolveAt } from '../helpers.js';
import { eventually, remoteJwksFixture } from '../remote-jwks-setup.js';

// A hydrated set was saved at some time nobody can tell: at build time, weeks ago, before the
// authorization server withdrew one of its keys. Taken as just fetched, a withdrawn key would stay
// trusted for `cacheMaxAge` after every cold start. It answers at once, and is refreshed at its first use.

const MAX_AGE = 600_000;

let withdrawn: TestSigningKey;
let current: TestSigningKey;
let withdrawnToken: string;
let currentToken: string;

beforeAll(async () => {
  [withdrawn, current] = await Promise.all([
    generateSigningKey('ES256', 'withdrawn'),
    generateSigningKey('ES256', 'current'),
  ]);
  const validity = { iat: NOW_S - 60, exp: NOW_S + 86_400 };
  withdrawnToken = await mint(withdrawn, validity);
  currentToken = await mint(current, validity);
});

const setup = remoteJwksFixture({ cacheMaxAge: MAX_AGE, retryDelay: 1_000, maxRetryDelay: 1_000 });

describe('remoteJwks: a hydrated set is refreshed at its first use', () => {
  it('answers the first request from the hydrated set and drops a withdrawn key once refreshed', async () => {
    // The server withdrew a key since the set was saved.
    const { server, keys, resolver } = await setup(jwksOf(current));
    keys.hydrate(jwksOf(withdrawn, current));

    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 1, keys: 1 }));
    expect(server.requests).toBe(1);
    // Well within cacheMaxAge of the hydration: the withdrawn key is already gone.
    expectFailure(await resolveAt(resolver, withdrawnToken, NOW_MS + 1), 'unknown_key');
    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS + 2));
    // Fetched: fresh now, until cacheMaxAge on the request clock.
    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS + MAX_AGE - 1_000));
    expect(keys.stats().fetches).toBe(1);
  });

  it('does not make the first request wait for the refresh', async () => {
    const { server, keys, resolver } = await setup(jwksOf(current));
    // An endpoint that accepts the request and never answers: a request waiting for it would hang.
    server.hang();
    keys.hydrate(jwksOf(withdrawn, current));

    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS));
    await eventually(() => expect(server.requests).toBe(1));
    // The refresh is still pending; requests the set can answer go on being answered.
    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS + 10));
    expect(keys.stats().failures).toBe(0);
  });

  it('keeps the hydrated set while the endpoint is down, and refreshes once it is back', async () => {
    const { server, keys, resolver, errors } = await setup(jwksOf(current));
    await server.down();
    keys.hydrate(jwksOf(withdrawn, current));

    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 1, failures: 1 }));
    expect(errors).toHaveLength(1);
    // Stale-while-error: the hydrated keys still answer, and requests within the back-off cause no fetch.
    for (let i = 1; i <= 5; i++) expectSuccess(await resolveAt(resolver, currentToken, NOW_MS + i));
    expect(keys.stats()).toMatchObject({ fetches: 1, keys: 2 });

    // After the back-off the next request retries; the set is still due a refresh, however young its
    // hydration.
    await server.up();
    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS + 60_000));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 2, failures: 1, keys: 1 }));
    expectFailure(await resolveAt(resolver, withdrawnToken, NOW_MS + 60_001), 'unknown_key');
  });

  it('a set fetched before the hydration is due a refresh again once hydrated over', async () => {
    const { server, keys, resolver } = await setup(jwksOf(current));
    await keys.preload();
    expect(server.requests).toBe(1);
    // Hydrating replaces what was fetched with a set of unknown age.
    keys.hydrate(jwksOf(withdrawn, current));
    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS + 10_000));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 2, keys: 1 }));
    expectFailure(await resolveAt(resolver, withdrawnToken, NOW_MS + 10_001), 'unknown_key');
  });
});
