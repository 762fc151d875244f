import { type CachedAnswer, tokenCache, tokenHash } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisStoreError } from '../src/index.js';
import { CountingAuthorizationServer, requestContext } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

const SECRET = 'claim-value-that-must-never-be-logged';
const valid = JSON.stringify({
  v: 1,
  usableUntil: 1_900_000_000_000,
  source: 'jwt',
  claims: { sub: SECRET },
});

async function bytesSentByRedis(raw: Awaited<ReturnType<StoreFixture['raw']>>): Promise<number> {
  const info = await raw.info('stats');
  return Number(/total_net_output_bytes:(\d+)/.exec(info)?.[1]);
}

describe('values in Redis that this store did not write', () => {
  it.each([
    ['not JSON', `{"v":1,"claims":{"sub":"${SECRET}"`],
    ['larger than maxValueBytes', JSON.stringify({ ...JSON.parse(valid), padding: 'x'.repeat(70_000) })],
    ['JSON of another shape', JSON.stringify({ sub: SECRET })],
    ['another format version', valid.replace('"v":1', '"v":2')],
    [
      'an unknown failure code',
      JSON.stringify({ v: 1, usableUntil: 1, failure: { code: 'nope', description: SECRET } }),
    ],
    ['a non-numeric usableUntil', valid.replace('1900000000000', '"tomorrow"')],
    [
      'claims that are not an object',
      JSON.stringify({ v: 1, usableUntil: 1, source: 'jwt', claims: [SECRET] }),
    ],
  ])('are a miss, not a crash: %s', async (_case, poison) => {
    const errors: RedisStoreError[] = [];
    const store = await fixture.store({ onError: (error) => errors.push(error) });
    const raw = await fixture.raw();
    await raw.set('rs:token:poisoned', poison, { PX: 60_000 });

    expect(await store.get('rs:token:poisoned')).toBeUndefined();

    expect(store.stats()).toMatchObject({ invalidValues: 1, misses: 1, redisHits: 0, localEntries: 0 });
    expect(errors.map((error) => error.operation)).toEqual(['invalid_value']);
    expect(errors[0]?.message).not.toContain(SECRET);
  });

  it('refuses a value with no expiry: this store always writes one', async () => {
    const store = await fixture.store();
    const raw = await fixture.raw();
    await raw.set('rs:token:forever', valid);

    expect(await store.get('rs:token:forever')).toBeUndefined();
    expect(store.stats().invalidValues).toBe(1);
  });

  it('counts a key of another type as a failed read', async () => {
    const store = await fixture.store();
    const raw = await fixture.raw();
    await raw.hSet('rs:token:hash', 'sub', SECRET);

    expect(await store.get('rs:token:hash')).toBeUndefined();
    expect(store.stats()).toMatchObject({ redisErrors: 1, misses: 1 });
  });

  it('reads at most maxValueBytes + 1 bytes of a huge value', async () => {
    const store = await fixture.store({ maxValueBytes: 1_024 });
    const raw = await fixture.raw();
    await raw.set('rs:token:huge', 'x'.repeat(8 * 1024 * 1024), { PX: 60_000 });
    const sentBefore = await bytesSentByRedis(raw);

    expect(await store.get('rs:token:huge')).toBeUndefined();

    expect(store.stats().invalidValues).toBe(1);
    // Redis sent the store a few kilobytes (the start of the value, and INFO answers), not 8 MiB.
    expect((await bytesSentByRedis(raw)) - sentBefore).toBeLessThan(64 * 1024);
  });

  it('lets the token cache resolve the token and replace the poisoned value', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    const store = await fixture.store();
    const raw = await fixture.raw();
    const cache = tokenCache(authorizationServer, { store });
    const key = `rs:token:${authorizationServer.cacheNamespace}:${await tokenHash('token-poisoned')}`;
    await raw.set(key, 'garbage', { PX: 60_000 });

    const answer = await cache.resolve('token-poisoned', requestContext());

    expect(answer.ok).toBe(true);
    expect(authorizationServer.calls).toBe(1);
    expect(JSON.parse((await raw.get(key)) ?? '')).toMatchObject({ v: 1, source: 'introspection' });
  });

  it('keeps an answer too large to share in the local tier only', async () => {
    const store = await fixture.store({ maxValueBytes: 256 });
    const raw = await fixture.raw();
    const answer: CachedAnswer = {
      failure: { code: 'token_inactive', description: 'x'.repeat(1_000) },
      usableUntil: 1_900_000_000_000,
    };

    await store.set('rs:token:large', answer, 10_000);

    expect(await raw.exists('rs:token:large')).toBe(0);
    expect(await store.get('rs:token:large')).toEqual(answer);
    expect(store.stats()).toMatchObject({ unsharedAnswers: 1, localHits: 1 });
  });
});
