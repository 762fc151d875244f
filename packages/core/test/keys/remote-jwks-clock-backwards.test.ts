import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { expectFailure, expectSuccess, mint, NOW_MS, NOW_S, resolveAt } from '../helpers.js';
import { eventually, remoteJwksFixture } from '../remote-jwks-setup.js';

// The age of a held key set is read on the request clock. A clock set back (an NTP step, a restored
// snapshot, a host that booted with its clock ahead) must not make the set look younger than it is: keys
// the authorization server withdrew would stay trusted for as long as the jump.

const MAX_AGE = 60_000;
const DAY_MS = 86_400_000;

let withdrawn: TestSigningKey;
let current: TestSigningKey;
let withdrawnToken: string;
let currentToken: string;

beforeAll(async () => {
  [withdrawn, current] = await Promise.all([
    generateSigningKey('ES256', 'withdrawn'),
    generateSigningKey('ES256', 'current'),
  ]);
  // Valid for the whole test, whichever way its clock goes.
  const validity = { iat: NOW_S - 2 * 86_400, exp: NOW_S + 86_400 };
  withdrawnToken = await mint(withdrawn, validity);
  currentToken = await mint(current, validity);
});

const setup = remoteJwksFixture({ cacheMaxAge: MAX_AGE, minFetchInterval: 0 });

describe('remoteJwks: a clock set back does not keep a key set fresh', () => {
  it('refreshes a set fetched a day "later" than the clock now says, at the first request', async () => {
    const { server, keys, resolver } = await setup(jwksOf(withdrawn, current));
    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS));
    // The server withdraws a key; then the clock goes back a day.
    server.setDocument(jwksOf(current));
    const back = NOW_MS - DAY_MS;
    // Answered from the held keys (stale-while-revalidate), but the refresh starts.
    expectSuccess(await resolveAt(resolver, withdrawnToken, back));
    await eventually(() => expect(keys.stats().fetches).toBe(2));
    await eventually(() => expect(keys.stats().keys).toBe(1));
    expectSuccess(await resolveAt(resolver, currentToken, back + 1));
    // Fetched on the new clock: fresh again until cacheMaxAge later on it.
    expectSuccess(await resolveAt(resolver, currentToken, back + MAX_AGE - 1));
    expect(keys.stats().fetches).toBe(2);
    expectFailure(await resolveAt(resolver, withdrawnToken, back + MAX_AGE - 1), 'unknown_key');
  });

  it('keeps a set fresh when the clock reads less than cacheMaxAge before its fetch', async () => {
    // Requests that read the clock just before a refresh landed reach the key set after it: their
    // earlier reading is no reason to fetch again.
    const { keys, resolver } = await setup(jwksOf(withdrawn, current));
    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS));
    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS - 1));
    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS - MAX_AGE + 1));
    expect(keys.stats().fetches).toBe(1);
    // cacheMaxAge back or more: the age of the set cannot be told, and it is refreshed.
    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS - MAX_AGE));
    await eventually(() => expect(keys.stats().fetches).toBe(2));
  });

  it('counts the age of a preloaded set on the request clock from its first use', async () => {
    // preload() has no request clock: it is read by Date.now(). A request clock far from it (a test
    // clock at a fixed date) still sees the set as just had, and refreshed cacheMaxAge later on it.
    const { server, keys, resolver } = await setup(jwksOf(withdrawn, current));
    await keys.preload();
    server.setDocument(jwksOf(current));
    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS));
    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS + MAX_AGE - 1_000));
    expect(server.requests).toBe(1);
    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS + MAX_AGE));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 2, keys: 1 }));
    expectFailure(await resolveAt(resolver, withdrawnToken, NOW_MS + MAX_AGE + 1), 'unknown_key');
  });
});

describe('remoteJwks: readings a little out of order are no clock set back', () => {
  // Concurrent requests reach the key set in another order than they read the clock: one that read it a
  // millisecond before another started a fetch comes after that fetch. It must wait as the others do.

  it('keeps the back-off after a failed fetch for requests that read the clock just before it', async () => {
    const { server, keys, resolver } = await setup(jwksOf(current));
    await server.down();
    const first = NOW_MS + 100;
    expectFailure(await resolveAt(resolver, currentToken, first), 'keys_unavailable');
    for (let early = 1; early <= 10; early++)
      expectFailure(await resolveAt(resolver, currentToken, first - early), 'keys_unavailable');
    expect(keys.stats().fetches).toBe(1);
    // A clock set back by more than the wait (1 s after one failure) starts afresh.
    expectFailure(await resolveAt(resolver, currentToken, first - 60_000), 'keys_unavailable');
    expect(keys.stats().fetches).toBe(2);
  });

  it('keeps the unknown-kid budget for requests that read the clock just before a fetch', async () => {
    const { keys, resolver } = await setup(jwksOf(current), { unknownKidFetchesPerMinute: 6 });
    expectSuccess(await resolveAt(resolver, currentToken, NOW_MS));
    const made = await Promise.all(
      Array.from({ length: 30 }, (_, i) =>
        mint(
          { ...current, kid: `made-up-${i}`, publicJwk: { ...current.publicJwk, kid: `made-up-${i}` } },
          {
            iat: NOW_S - 60,
            exp: NOW_S + 3_600,
          },
        ),
      ),
    );
    // Each a millisecond earlier than the one before, as out-of-order readings arrive.
    for (const [i, token] of made.entries())
      expectFailure(await resolveAt(resolver, token, NOW_MS + 1_000 - i), 'unknown_key');
    expect(keys.stats().fetches).toBe(1 + 6);
  });
});
