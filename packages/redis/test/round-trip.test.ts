import { type CachedAnswer, RsConfigError, tokenInfoFromClaims } from '@rs/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { redisTokenCacheStore } from '../src/index.js';
import { waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

const claims = {
  active: true,
  sub: 'alice',
  client_id: 'orders-app',
  scope: 'orders:read orders:write',
  aud: ['https://api.example.com', 'https://admin.example.com'],
  exp: 2_000_000_000,
  iat: 1_700_000_000,
  jti: 'token-42',
  cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' },
  nested: { roles: ['admin'], level: 3 },
};

describe('an answer written by one store and read by another', () => {
  it('rebuilds an accepted token info, its scope Set and claims included', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    const info = tokenInfoFromClaims(claims, 'introspection');
    await writer.set('rs:token:accepted', { info, usableUntil: 1_900_000_000_000 }, 10_000);

    const answer = await reader.get('rs:token:accepted');

    expect(answer?.info?.scopes).toBeInstanceOf(Set);
    expect([...(answer?.info?.scopes ?? [])]).toEqual(['orders:read', 'orders:write']);
    expect(answer?.info?.claims).toEqual(claims);
    expect(answer).toEqual({ info, usableUntil: 1_900_000_000_000 });
    expect(reader.stats()).toMatchObject({ redisHits: 1, localHits: 0, misses: 0 });
  });

  it('rebuilds a refusal, required scopes included', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    const refusal: CachedAnswer = {
      failure: {
        code: 'token_inactive',
        description: 'The access token is not active',
        requiredScopes: ['a', 'b'],
      },
      usableUntil: 1_900_000_000_000,
    };
    await writer.set('rs:token:refused', refusal, 10_000);

    expect(await reader.get('rs:token:refused')).toEqual(refusal);
  });

  it('keeps a Redis hit in the in-process tier', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    await writer.set(
      'rs:token:kept',
      { info: tokenInfoFromClaims(claims, 'jwt'), usableUntil: 1_900_000_000_000 },
      10_000,
    );

    await reader.get('rs:token:kept');
    await reader.get('rs:token:kept');

    expect(reader.stats()).toMatchObject({ redisHits: 1, localHits: 1, localEntries: 1 });
  });
});

describe('expiry', () => {
  it('lets Redis expire an answer after its TTL, in Redis and in the readers’ local tiers', async () => {
    const writer = await fixture.store();
    const reader = await fixture.store();
    const raw = await fixture.raw();
    await writer.set(
      'rs:token:short',
      { info: tokenInfoFromClaims(claims, 'jwt'), usableUntil: 1_900_000_000_000 },
      200,
    );
    expect(await reader.get('rs:token:short')).toBeDefined();
    const ttl = await raw.pTTL('rs:token:short');
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(200);

    await new Promise((resolve) => setTimeout(resolve, 300));

    expect(await raw.exists('rs:token:short')).toBe(0);
    expect(await reader.get('rs:token:short')).toBeUndefined();
    expect(await writer.get('rs:token:short')).toBeUndefined();
    expect((await fixture.store()).stats().localEntries).toBe(0);
  });
});

describe('clear()', () => {
  it('deletes this prefix’s keys in batches, leaves other keys alone, and empties every local tier', async () => {
    const clearing = await fixture.store();
    const other = await fixture.store();
    const raw = await fixture.raw();
    const answer: CachedAnswer = { info: tokenInfoFromClaims(claims, 'jwt'), usableUntil: 1_900_000_000_000 };
    await clearing.set('rs:token:one', answer, 60_000);
    await other.get('rs:token:one');
    // More keys than one SCAN step deletes, to go through several batches.
    const bulk = raw.multi();
    for (let i = 0; i < 1_200; i++) bulk.set(`rs:token:bulk-${i}`, 'x', { PX: 60_000 });
    await bulk.exec();
    await raw.set('other-app:key', 'kept');
    await raw.set('rs:tokenizer', 'kept: the prefix is rs:token: with its colon');

    await clearing.clear();

    // Only the revocation index is left, to expire: an answer written while a clear runs may be left,
    // and a later revocation must still find it.
    const left = await raw.keys('rs:token:*');
    expect(left.filter((key) => !key.startsWith('rs:token:index:'))).toEqual([]);
    expect(left.length).toBeGreaterThan(0);
    expect(await raw.get('other-app:key')).toBe('kept');
    expect(await raw.exists('rs:tokenizer')).toBe(1);
    await waitFor('the other instance to hear the clear', () => other.stats().receivedEvictions === 1);
    expect(other.stats().localEntries).toBe(0);
    expect(clearing.stats()).toMatchObject({ localEntries: 0, publishedEvictions: 1, receivedEvictions: 0 });
  });

  it('treats glob characters in the prefix literally', async () => {
    const store = await fixture.store({ keyPrefix: 'app[1]*:' });
    const raw = await fixture.raw();
    await raw.set('app[1]*:a', 'x');
    await raw.set('app1x:a', 'matched by the glob, not by the prefix');

    await store.clear();

    expect(await raw.exists('app[1]*:a')).toBe(0);
    expect(await raw.exists('app1x:a')).toBe(1);
  });
});

describe('a client given by the application', () => {
  it('is used, and left open by close()', async () => {
    const client = createClient({ url: redis.url, disableOfflineQueue: true });
    client.on('error', () => undefined);
    await client.connect();
    try {
      const store = redisTokenCacheStore({ client });
      await waitFor('the subscription', () => store.stats().subscribed);
      await store.set(
        'rs:token:own-client',
        { info: tokenInfoFromClaims(claims, 'jwt'), usableUntil: 1_900_000_000_000 },
        10_000,
      );
      expect(await client.exists('rs:token:own-client')).toBe(1);

      await store.close();

      expect(client.isReady).toBe(true);
      expect(store.stats()).toMatchObject({ connected: false, subscribed: false });
      expect(await client.ping()).toBe('PONG');
    } finally {
      client.destroy();
    }
  });
});

describe('options', () => {
  it('refuses at construction what cannot work, naming the option', () => {
    expect(() => redisTokenCacheStore({})).toThrow(RsConfigError);
    expect(() => redisTokenCacheStore({ url: redis.url, commandTimeout: 0 })).toThrow(/commandTimeout/);
    expect(() => redisTokenCacheStore({ url: redis.url, localMaxEntries: 1.5 })).toThrow(/localMaxEntries/);
    expect(() => redisTokenCacheStore({ url: redis.url, keyPrefix: '' })).toThrow(/keyPrefix/);
  });
});
