import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, type RemoteJwksOptions, remoteJwks } from '../../src/index.js';
import {
  bearerRequest,
  expectConfigError,
  expectFailure,
  expectRejected,
  expectSuccess,
  invalidTokenChallenge,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';
import { randomKidTokens, remoteJwksFixture } from '../remote-jwks-setup.js';

// The refetch policy, with its defaults: minFetchInterval 5 s, unknownKidFetchesPerMinute 6, retryDelay
// 1 s doubling up to maxRetryDelay 10 s. Time is the pipeline's injected clock.

const MIN_INTERVAL = 5_000;
const PER_MINUTE = 6;
const MAX_RETRY_DELAY = 10_000;

let keyA: TestSigningKey;
let keyB: TestSigningKey;
let attacker: TestSigningKey;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  [keyA, keyB, attacker] = await Promise.all([
    generateSigningKey('ES256', 'key-a'),
    generateSigningKey('ES256', 'key-b'),
    generateSigningKey('ES256', 'attacker'),
  ]);
  tokenA = await mint(keyA, { exp: NOW_S + 86_400 });
  tokenB = await mint(keyB, { exp: NOW_S + 86_400 });
});

const setup = remoteJwksFixture();

describe('remoteJwks: a rotated key is accepted within seconds', () => {
  it('fetches for a kid published right after a fetch once minFetchInterval has passed', async () => {
    const { server, keys, resolver } = await setup(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.setDocument(jwksOf(keyA, keyB));

    // Inside the interval: the set was just fetched, so the kid is unknown to the issuer (401).
    expectFailure(await resolveAt(resolver, tokenB, NOW_MS + MIN_INTERVAL - 1), 'unknown_key');
    expect(server.requests).toBe(1);
    // From then on, the first token with the new kid fetches the set, and is accepted.
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS + MIN_INTERVAL));
    expect(keys.stats()).toEqual({ fetches: 2, failures: 0, keys: 2 });
  });

  it('during a flood that spent the budget, accepts a rotated key once the oldest flood fetch is a minute old', async () => {
    const { server, resolver } = await setup(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    const flood = await randomKidTokens(attacker, 30);
    // A random kid every second: fetches at 5, 10, … 30 s spend the minute's budget of 6.
    for (let second = 1; second <= 30; second++) {
      expectFailure(await resolveAt(resolver, flood[second - 1]!, NOW_MS + second * 1_000), 'unknown_key');
    }
    expect(server.requests).toBe(1 + PER_MINUTE);
    // The issuer rotates at 30 s; the flood goes on beside the genuine token.
    server.setDocument(jwksOf(keyA, keyB));
    let acceptedAt: number | undefined;
    for (let second = 31; second <= 120 && acceptedAt === undefined; second++) {
      const now = NOW_MS + second * 1_000;
      expectFailure(await resolveAt(resolver, flood[second % flood.length]!, now - 500), 'unknown_key');
      const outcome = await resolveAt(resolver, tokenB, now);
      if (outcome.ok) acceptedAt = now;
      else expectFailure(outcome, 'unknown_key');
    }
    // The slot of the fetch at 5 s frees at 65 s: the worst case of this flood, well within a minute.
    expect(acceptedAt).toBe(NOW_MS + 65_000);
    expect(server.requests).toBe(2 + PER_MINUTE);
  });
});

describe('remoteJwks: a flood of random kids', () => {
  it('costs at most unknownKidFetchesPerMinute fetches in any minute, over ten minutes', async () => {
    const { server, resolver } = await setup(jwksOf(keyA), { cacheMaxAge: 3_600_000 });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    const flood = await randomKidTokens(attacker, 200);
    const fetchTimes: number[] = [];
    // 20 tokens a second for 10 minutes of the injected clock: 12 000 requests.
    for (let i = 0; i < 12_000; i++) {
      const now = NOW_MS + 1 + i * 50;
      const before = server.requests;
      expectFailure(await resolveAt(resolver, flood[i % flood.length]!, now), 'unknown_key');
      if (server.requests > before) fetchTimes.push(now);
    }
    // A bounded, small number: at most 6 in any 60 s window, and never two closer than 5 s.
    for (const start of fetchTimes) {
      const inWindow = fetchTimes.filter((time) => time >= start && time < start + 60_000);
      expect(inWindow.length).toBeLessThanOrEqual(PER_MINUTE);
    }
    for (let i = 1; i < fetchTimes.length; i++) {
      expect(fetchTimes[i]! - fetchTimes[i - 1]!).toBeGreaterThanOrEqual(MIN_INTERVAL);
    }
    expect(fetchTimes.length).toBeLessThanOrEqual(10 * PER_MINUTE);
    // Genuine tokens were never refused and cost nothing.
    const total = server.requests;
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + 600_001));
    expect(server.requests).toBe(total);
  });

  it('costs one fetch for 500 concurrent random kids', async () => {
    const { server, resolver } = await setup(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.delay(50);
    const flood = await randomKidTokens(attacker, 500);
    const results = await Promise.all(
      flood.map((token) => resolveAt(resolver, token, NOW_MS + MIN_INTERVAL)),
    );
    for (const result of results) expectFailure(result, 'unknown_key');
    expect(server.requests).toBe(2);
  });

  it('never fetches for unknown kids with unknownKidFetchesPerMinute 0', async () => {
    const { server, resolver } = await setup(jwksOf(keyA), { unknownKidFetchesPerMinute: 0 });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.setDocument(jwksOf(keyA, keyB));
    expectFailure(await resolveAt(resolver, tokenB, NOW_MS + 60_000), 'unknown_key');
    expect(server.requests).toBe(1);
  });
});

describe('remoteJwks: an outage at start-up', () => {
  it('retries after 1 s, 2 s, 4 s, … and takes the keys within maxRetryDelay of the endpoint coming back', async () => {
    const { server, keys, resolver } = await setup(jwksOf(keyA));
    await server.down();
    // Two minutes of outage, a request every 500 ms: each refused with 503, few attempts.
    let t = NOW_MS;
    for (; t < NOW_MS + 120_000; t += 500)
      expectFailure(await resolveAt(resolver, tokenA, t), 'keys_unavailable');
    // Attempts at 0, 1, 3, 7, 15 s, then every 10 s: 5 + 10, each wait counted from when the attempt
    // before failed, so that a request every 500 ms meets each attempt up to 500 ms late (one fewer
    // attempt in the two minutes at most per half second lost).
    const { fetches, failures } = keys.stats();
    expect(failures).toBe(fetches);
    expect(fetches).toBeLessThanOrEqual(15);
    expect(fetches).toBeGreaterThanOrEqual(13);

    await server.up();
    const upAt = t;
    let acceptedAt: number | undefined;
    for (; acceptedAt === undefined && t <= upAt + 2 * MAX_RETRY_DELAY; t += 500) {
      const outcome = await resolveAt(resolver, tokenA, t);
      if (outcome.ok) acceptedAt = t;
      else expectFailure(outcome, 'keys_unavailable');
    }
    expect(acceptedAt).toBeDefined();
    expect(acceptedAt! - upAt).toBeLessThanOrEqual(MAX_RETRY_DELAY);
    expect(server.requests).toBe(1);
  });
});

describe('remoteJwks: who is at fault', () => {
  it('answers 401 unknown_key for a kid a fresh set lacks, 503 keys_unavailable when the set cannot be had', async () => {
    const { server, keys, resolver } = await setup(jwksOf(keyA));
    let clock = NOW_MS;
    const rs = createResourceServer({ resolver, clock: () => clock });
    expect((await rs.authenticate(bearerRequest(tokenA))).ok).toBe(true);

    // A fresh set, confirmed by a fetch: the kid is unknown to the issuer. The client's problem.
    clock += MIN_INTERVAL;
    const unknown = expectRejected(await rs.authenticate(bearerRequest(tokenB)), 'unknown_key', 401);
    expect(unknown.wwwAuthenticate).toBe(invalidTokenChallenge('No key of the issuer matches the JWT'));
    expect(server.requests).toBe(2);

    // The endpoint fails: the fetch an unknown kid needs cannot be done. The server's problem.
    server.fail(502);
    clock += MIN_INTERVAL;
    const unavailable = expectRejected(await rs.authenticate(bearerRequest(tokenB)), 'keys_unavailable', 503);
    expect(unavailable.wwwAuthenticate).toBeUndefined();
    expect(unavailable.body).toEqual({
      error_description: 'The issuer signing keys are unavailable',
      code: 'keys_unavailable',
    });
    // During the back-off, the same: the set could not be confirmed. Known kids are still accepted.
    clock += 1;
    expectRejected(await rs.authenticate(bearerRequest(tokenB)), 'keys_unavailable', 503);
    expect((await rs.authenticate(bearerRequest(tokenA))).ok).toBe(true);
    expect(server.requests).toBe(3);

    // Back up: the next fetch confirms the set again, and the kid is the client's problem once more.
    server.recover();
    clock = keys.health(clock)[0]!.lastFailureAt! + 1_000;
    expectRejected(await rs.authenticate(bearerRequest(tokenB)), 'unknown_key', 401);
    expect(server.requests).toBe(4);
  });
});

describe('remoteJwks: refetch options', () => {
  const url = 'https://as.example.com/jwks';

  it('refuses bad values at build time, naming the option', () => {
    expectConfigError(() => remoteJwks({ url, minFetchInterval: -1 }), 'remoteJwks.minFetchInterval');
    expectConfigError(
      () => remoteJwks({ url, unknownKidFetchesPerMinute: -1 }),
      'remoteJwks.unknownKidFetchesPerMinute',
    );
    expectConfigError(
      () => remoteJwks({ url, unknownKidFetchesPerMinute: 1.5 }),
      'remoteJwks.unknownKidFetchesPerMinute',
    );
    expectConfigError(() => remoteJwks({ url, retryDelay: 0 }), 'remoteJwks.retryDelay');
    expectConfigError(() => remoteJwks({ url, maxRetryDelay: Number.NaN }), 'remoteJwks.maxRetryDelay');
    expectConfigError(
      () => remoteJwks({ url, retryDelay: 5_000, maxRetryDelay: 1_000 }),
      'remoteJwks.maxRetryDelay',
    );
  });

  it('refuses the removed cooldown option with the names that replace it', () => {
    const error = expectConfigError(
      () => remoteJwks({ url, cooldown: 30_000 } as RemoteJwksOptions),
      'remoteJwks.cooldown',
    );
    expect(error.message).toContain('minFetchInterval');
  });
});
