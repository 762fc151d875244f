import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import type { AccessTokenResolver, HttpClientError } from '../../src/index.js';
import { expectFailure, expectSuccess, mint, NOW_MS, NOW_S, resolveAt } from '../helpers.js';
import { eventually, remoteJwksFixture } from '../remote-jwks-setup.js';

// Stale-while-revalidate: once the set is older than cacheMaxAge, requests the held keys can answer never
// wait for the refresh, however slow the endpoint is.

const MAX_AGE = 60_000;
/** Long enough that "did not wait for the fetch" and "waited for it" are far apart on a loaded machine. */
const TIMEOUT = 4_000;

let ecKey: TestSigningKey;
let rsaKey: TestSigningKey;
let newKey: TestSigningKey;
let ecToken: string;
let newToken: string;

beforeAll(async () => {
  [ecKey, rsaKey, newKey] = await Promise.all([
    generateSigningKey('ES256', 'ec-1'),
    generateSigningKey('RS256', 'rsa-1'),
    generateSigningKey('ES256', 'ec-2'),
  ]);
  ecToken = await mint(ecKey, { exp: NOW_S + 86_400 });
  newToken = await mint(newKey, { exp: NOW_S + 86_400 });
});

const setup = remoteJwksFixture({ cacheMaxAge: MAX_AGE, timeout: TIMEOUT });

/** Resolves and measures the wall time the request took. */
async function timed(resolver: AccessTokenResolver, token: string, now: number) {
  const started = performance.now();
  const outcome = await resolveAt(resolver, token, now);
  return { outcome, elapsed: performance.now() - started };
}

describe('remoteJwks: a stale set is refreshed in the background', () => {
  it('answers cached kids at once while the endpoint hangs after expiry, then reports the timeout', async () => {
    const { server, keys, resolver, errors } = await setup(jwksOf(ecKey));
    expectSuccess(await resolveAt(resolver, ecToken, NOW_MS));
    server.hang();

    const stale = NOW_MS + MAX_AGE;
    const results = [];
    for (let i = 0; i < 20; i++) results.push(await timed(resolver, ecToken, stale + i * 10));
    for (const { outcome } of results) expectSuccess(outcome);
    // Each request is answered from the held keys, not after the hanging fetch.
    expect(Math.max(...results.map((result) => result.elapsed))).toBeLessThan(TIMEOUT / 4);
    // One refresh is under way for all of them.
    expect(keys.stats().fetches).toBe(2);
    expect(errors).toEqual([]);
    await eventually(() => expect(server.requests).toBe(2));

    // The refresh gives up at the timeout and is reported; the held keys stay in use.
    await vi.waitFor(() => expect(errors).toHaveLength(1), { timeout: TIMEOUT * 3 });
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(keys.stats()).toEqual({ fetches: 2, failures: 1, keys: 1 });
    expectSuccess(await resolveAt(resolver, ecToken, stale + 1_000));
  });

  it('answers cached kids at once while the body trickles, and takes the new set once it has arrived', async () => {
    const { server, keys, resolver } = await setup(jwksOf(ecKey));
    expectSuccess(await resolveAt(resolver, ecToken, NOW_MS));
    server.setDocument(jwksOf(ecKey, newKey));
    server.slowBody(TIMEOUT / 2);

    const stale = NOW_MS + MAX_AGE;
    const { outcome, elapsed } = await timed(resolver, ecToken, stale);
    expectSuccess(outcome);
    expect(elapsed).toBeLessThan(TIMEOUT / 4);
    expect(keys.stats().keys).toBe(1);

    await vi.waitFor(() => expect(keys.stats().keys).toBe(2), { timeout: TIMEOUT * 3 });
    expectSuccess(await resolveAt(resolver, newToken, stale + 1));
    expect(server.requests).toBe(2);
  });

  it('coalesces the background refresh: 100 concurrent requests on a stale set cause one fetch', async () => {
    const { server, keys, resolver } = await setup(jwksOf(ecKey));
    expectSuccess(await resolveAt(resolver, ecToken, NOW_MS));
    server.delay(200);
    const stale = NOW_MS + MAX_AGE;
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => resolveAt(resolver, ecToken, stale + i)),
    );
    for (const result of results) expectSuccess(result);
    expect(keys.stats().fetches).toBe(2);
    await eventually(() => expect(server.requests).toBe(2));
    // Whether that refresh is still under way or done, the next request starts no other.
    expectSuccess(await resolveAt(resolver, ecToken, stale + 1_000));
    expect(keys.stats()).toEqual({ fetches: 2, failures: 0, keys: 1 });
    expect(server.requests).toBe(2);
  });

  it('makes a kid the held keys do not know wait for the refresh, bounded by the timeout', async () => {
    const { server, resolver, errors } = await setup(jwksOf(ecKey));
    expectSuccess(await resolveAt(resolver, ecToken, NOW_MS));
    server.setDocument(jwksOf(ecKey, newKey));
    server.hang();
    const stale = NOW_MS + MAX_AGE;

    // The unknown kid needs a fresh set: it waits for the fetch, which hangs until the timeout. The set
    // could not be had, so that is the server's problem (503), not the token's.
    const waiting = timed(resolver, newToken, stale);
    // Meanwhile, a known kid is answered at once.
    const known = await timed(resolver, ecToken, stale + 1);
    expectSuccess(known.outcome);
    expect(known.elapsed).toBeLessThan(TIMEOUT / 4);
    const { outcome, elapsed } = await waiting;
    expectFailure(outcome, 'keys_unavailable');
    expect(elapsed).toBeGreaterThanOrEqual(TIMEOUT * 0.9);
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(server.requests).toBe(2);
  });

  it('waits retryDelay from when a hanging fetch gave up, not from when it started', async () => {
    const timeout = 300;
    const { server, keys, resolver, errors } = await setup(jwksOf(ecKey), { timeout, retryDelay: 1_000 });
    server.hang();
    expectFailure(await resolveAt(resolver, ecToken, NOW_MS), 'keys_unavailable');
    expect(errors).toHaveLength(1);
    // retryDelay after the start, but the fetch took at least its timeout: less than 1 s after it failed.
    expectFailure(await resolveAt(resolver, ecToken, NOW_MS + 1_000), 'keys_unavailable');
    expect(server.requests).toBe(1);
    expect(keys.health(NOW_MS + 1_000)[0]?.lastFailureAt).toBeGreaterThanOrEqual(NOW_MS + timeout * 0.9);
    // Well after it, the set is asked for again.
    server.recover();
    expectSuccess(await resolveAt(resolver, ecToken, NOW_MS + 60_000));
    expect(server.requests).toBe(2);
  });

  it('answers a token without kid from the held keys when one fits its algorithm, else fetches', async () => {
    const { server, resolver } = await setup(jwksOf(ecKey), { minFetchInterval: 0 });
    expectSuccess(await resolveAt(resolver, await mint(ecKey, {}, { omitKid: true }), NOW_MS));
    expect(server.requests).toBe(1);

    // An RS256 token without kid: no held key fits RS256, so the set is fetched again and the new RSA
    // key answers.
    server.setDocument(jwksOf(ecKey, rsaKey));
    expectSuccess(await resolveAt(resolver, await mint(rsaKey, {}, { omitKid: true }), NOW_MS + 1));
    expect(server.requests).toBe(2);
    // Now an ES256 and an RS256 token without kid are both answered from the held keys.
    expectSuccess(await resolveAt(resolver, await mint(ecKey, {}, { omitKid: true }), NOW_MS + 2));
    expectSuccess(await resolveAt(resolver, await mint(rsaKey, {}, { omitKid: true }), NOW_MS + 3));
    expect(server.requests).toBe(2);
  });

  it('survives a hook that throws, in the background as in a request', async () => {
    let calls = 0;
    const { server, keys, resolver } = await setup(jwksOf(ecKey), {
      onFetchError: () => {
        calls++;
        throw new Error('a broken logger');
      },
    });
    expectSuccess(await resolveAt(resolver, ecToken, NOW_MS));
    server.fail(500);
    // The background refresh fails, and its hook throws: no unhandled rejection (vitest would fail).
    expectSuccess(await resolveAt(resolver, ecToken, NOW_MS + MAX_AGE));
    await eventually(() => expect(keys.stats().failures).toBe(1));
    expect(calls).toBe(1);
    // A request that waits for a failing fetch is answered too.
    const retryAt = keys.health(NOW_MS + MAX_AGE)[0]!.lastFailureAt! + 1_000;
    expectFailure(await resolveAt(resolver, newToken, retryAt), 'keys_unavailable');
    expect(calls).toBe(2);
    expectSuccess(await resolveAt(resolver, ecToken, retryAt + 1));
  });
});
