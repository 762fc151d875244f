import { tokenInfoFromClaims } from '@rs/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisReplayStore, redisReplayStore, redisTokenCacheStore } from '../src/index.js';
import { timed, waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';

// Every default the README states for the stores' timeouts, each proven by what a store given no value
// does against a real redis-server kept busy by DEBUG SLEEP for longer than the default. A default
// changed without its documentation fails here.

let redis: RedisProcess;
const closing: { close(): Promise<void> }[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(closing.splice(0).map((store) => store.close()));
});
afterAll(() => stopAllRedis());

/** Runs `call` while Redis sleeps for `seconds`, and returns what it gave (or its error's message) and when. */
async function whileRedisSleeps<T>(
  seconds: number,
  call: () => Promise<T>,
): Promise<{ result: T | string; ms: number }> {
  const raw = createClient({ url: redis.url });
  raw.on('error', () => undefined);
  await raw.connect();
  try {
    const sleeping = raw.sendCommand(['DEBUG', 'SLEEP', String(seconds)]);
    const outcome = timed(() => call().catch((error: Error) => error.message));
    await sleeping;
    return await outcome;
  } finally {
    raw.destroy();
  }
}

describe('redisReplayStore: commandTimeout is 1000 ms when left out', () => {
  it('a check Redis does not answer is refused after 1 s, not the 4 s the stall lasts', async () => {
    const store: RedisReplayStore = redisReplayStore({ url: redis.url });
    closing.push(store);
    await waitFor('the replay store to connect', async () => {
      try {
        return await store.remember(`rs:test:probe:${crypto.randomUUID()}`, 1_000);
      } catch {
        return false;
      }
    });
    const refused = await whileRedisSleeps(4, () => store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000));
    expect(refused.result).toMatch(/no answer within 1000 ms/);
    expect(refused.ms).toBeGreaterThanOrEqual(999);
    expect(refused.ms).toBeLessThan(4_000);
  });
});

describe('redisTokenCacheStore: commandTimeout is 250 ms when left out', () => {
  it('a read Redis does not answer is a miss after 250 ms, not the 2 s the stall lasts', async () => {
    const errors: Error[] = [];
    const store = redisTokenCacheStore({ url: redis.url, onError: (error) => errors.push(error) });
    closing.push(store);
    await waitFor('the store to connect', () => store.stats().connected);
    const missed = await whileRedisSleeps(2, () => store.get('rs:token:stalled'));
    expect(missed.result).toBeUndefined();
    expect(store.stats().redisErrors).toBe(1);
    expect(errors.map((error) => error.message).join('\n')).toMatch(/no answer within 250 ms/);
    expect(missed.ms).toBeGreaterThanOrEqual(249);
    // Under the next plausible default (1 s, the replay store's).
    expect(missed.ms).toBeLessThan(1_000);
  });
});

describe('redisTokenCacheStore: maxValueBytes is 64 KiB when left out', () => {
  it('a stored answer of 65 536 bytes is read, one of 65 537 bytes is not', async () => {
    // Written by a store that takes values up to 1 MiB, read by one left at its default.
    const writer = redisTokenCacheStore({ url: redis.url, maxValueBytes: 1024 * 1024 });
    const reader = redisTokenCacheStore({ url: redis.url });
    closing.push(writer, reader);
    await waitFor('the stores to connect', () => writer.stats().connected && reader.stats().connected);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const write = async (key: string, pad: number) => {
        const info = tokenInfoFromClaims(
          { sub: 'alice', exp: 2_000_000_000, pad: 'p'.repeat(pad) },
          'introspection',
        );
        await writer.set(key, { info, usableUntil: 1_900_000_000_000 }, 60_000);
        return Number(await raw.strLen(key));
      };
      const ofBytes = async (key: string, bytes: number) => {
        const probe = await write(key, 60_000);
        expect(await write(key, 60_000 + bytes - probe)).toBe(bytes);
      };
      await ofBytes('rs:token:exact', 65_536);
      await ofBytes('rs:token:over', 65_537);
      expect((await reader.get('rs:token:exact'))?.info?.claims.sub).toBe('alice');
      expect(await reader.get('rs:token:over')).toBeUndefined();
    } finally {
      raw.destroy();
    }
  });
});

describe('close(): commands under way are given a grace period of 1 s', () => {
  it('a replay store closed while Redis hangs on a command returns after 1 s, not before', async () => {
    const store = redisReplayStore({ url: redis.url });
    await waitFor('the replay store to connect', async () => {
      try {
        return await store.remember(`rs:test:probe:${crypto.randomUUID()}`, 1_000);
      } catch {
        return false;
      }
    });
    redis.freeze();
    try {
      const pending = store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000).catch(() => 'refused');
      const { ms } = await timed(() => store.close());
      expect(await pending).toBe('refused');
      expect(ms).toBeGreaterThanOrEqual(990);
      // Well under the next thing it could be waiting for (the 5 s handshake bound).
      expect(ms).toBeLessThan(4_000);
    } finally {
      redis.thaw();
    }
  });
});
