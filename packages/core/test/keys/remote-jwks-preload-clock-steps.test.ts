import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { expectFailure, expectSuccess, mint, NOW_MS, NOW_S, resolveAt } from '../helpers.js';
import { eventually, remoteJwksFixture } from '../remote-jwks-setup.js';

// A set preloaded outside any request is placed on the request clock at its first use, by the time
// passed since the preload. A system clock set back meanwhile (an NTP step) must not make that time look
// shorter than it was: keys the server withdrew would stay trusted that much longer.
//
// Only `Date` and `performance` are faked, so that each can move on its own (`vi.setSystemTime` steps
// `Date` alone, as NTP steps the system clock); timers are real, for the loopback HTTP.

const MAX_AGE = 60_000;
const HOUR_MS = 3_600_000;
const START = Date.UTC(2030, 0, 1);

let withdrawn: TestSigningKey;
let current: TestSigningKey;
let withdrawnToken: string;

beforeAll(async () => {
  [withdrawn, current] = await Promise.all([
    generateSigningKey('ES256', 'withdrawn'),
    generateSigningKey('ES256', 'current'),
  ]);
  withdrawnToken = await mint(withdrawn, { iat: NOW_S - 60, exp: NOW_S + 86_400 });
});

beforeEach(() => {
  vi.useFakeTimers({ toFake: ['Date', 'performance'] });
  vi.setSystemTime(START);
});
afterEach(() => {
  vi.useRealTimers();
});

const setup = remoteJwksFixture({ cacheMaxAge: MAX_AGE, minFetchInterval: 0 });

describe('remoteJwks: the time since preload() is not shortened by a clock set back', () => {
  it('refreshes at the first request a preloaded set cacheMaxAge old, though the system clock went back', async () => {
    const { server, keys, resolver } = await setup(jwksOf(withdrawn, current));
    await keys.preload();
    server.setDocument(jwksOf(current));
    // cacheMaxAge passes; the system clock is also set back an hour.
    vi.advanceTimersByTime(MAX_AGE);
    vi.setSystemTime(Date.now() - HOUR_MS);

    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 2, keys: 1 }));
    expectFailure(await resolveAt(resolver, withdrawnToken, NOW_MS + 1), 'unknown_key');
  });

  it('keeps a preloaded set fresh while less than cacheMaxAge has passed on both clocks', async () => {
    const { keys, resolver } = await setup(jwksOf(withdrawn, current));
    await keys.preload();
    vi.advanceTimersByTime(MAX_AGE - 1_000);

    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS));
    expect(keys.stats().fetches).toBe(1);
    expect(keys.health(NOW_MS)[0]).toMatchObject({ lastFetchAt: NOW_MS - (MAX_AGE - 1_000) });
  });

  it('counts the system clock when it ran further than the monotonic one (a restored snapshot)', async () => {
    const { server, keys, resolver } = await setup(jwksOf(withdrawn, current));
    await keys.preload();
    server.setDocument(jwksOf(current));
    // A process restored from a snapshot a day later: the system clock says so, the monotonic one may not.
    vi.setSystemTime(Date.now() + 24 * HOUR_MS);

    expectSuccess(await resolveAt(resolver, withdrawnToken, NOW_MS));
    await eventually(() => expect(keys.stats()).toMatchObject({ fetches: 2, keys: 1 }));
  });
});
