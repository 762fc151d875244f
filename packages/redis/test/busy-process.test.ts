import { tokenInfoFromClaims } from '@rs/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisReplayStore } from '../src/index.js';
import { timed } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore, StoreFixture } from './store-fixture.js';

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);
const replayStores: RedisReplayStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  redis.thaw();
  await Promise.all([fixture.closeAll(), ...replayStores.splice(0).map((store) => store.close())]);
});
afterAll(() => stopAllRedis());

// Short enough that the stalls below are three times as long; a stall costs a command at most a fifth of it.
const TIMEOUT_MS = 500;

/** Keeps this process's event loop busy, as CPU work, GC or an overloaded host does. */
function blockEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

async function replayStore(commandTimeout: number): Promise<RedisReplayStore> {
  const store = await connectedReplayStore(redis.url, { commandTimeout });
  replayStores.push(store);
  return store;
}

describe('a busy process does not make a healthy Redis look slow', () => {
  it('replay checks sent before a stall longer than commandTimeout all get their answers', async () => {
    const store = await replayStore(TIMEOUT_MS);
    const keys = Array.from({ length: 20 }, () => `rs:dpop:${crypto.randomUUID()}`);

    const answers = Promise.allSettled(keys.map((key) => store.remember(key, 60_000)));
    blockEventLoop(3 * TIMEOUT_MS);

    const settled = await answers;
    expect(settled.filter((answer) => answer.status === 'rejected')).toEqual([]);
    expect(settled.map((answer) => answer.status === 'fulfilled' && answer.value)).toEqual(
      keys.map(() => true),
    );
  });

  it('so do checks sent while the loop is stalled again and again', async () => {
    const store = await replayStore(TIMEOUT_MS);
    const outcomes: Promise<boolean>[] = [];
    for (let round = 0; round < 5; round++) {
      outcomes.push(store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000));
      blockEventLoop(TIMEOUT_MS);
      await new Promise((resolve) => setImmediate(resolve));
    }
    expect(await Promise.all(outcomes)).toEqual([true, true, true, true, true]);
  });

  it('token-cache reads and writes too', async () => {
    const writer = await fixture.store({ commandTimeout: TIMEOUT_MS });
    const reader = await fixture.store({ commandTimeout: TIMEOUT_MS });
    const answer = {
      info: tokenInfoFromClaims({ sub: 'alice', exp: 2_000_000_000 }, 'introspection'),
      usableUntil: 1_900_000_000_000,
    };
    const writes = Promise.all(
      Array.from({ length: 10 }, (_, i) => writer.set(`rs:token:busy-${i}`, answer, 60_000)),
    );
    blockEventLoop(3 * TIMEOUT_MS);
    await writes;

    const reads = Promise.all(Array.from({ length: 10 }, (_, i) => reader.get(`rs:token:busy-${i}`)));
    blockEventLoop(3 * TIMEOUT_MS);
    expect((await reads).every((read) => read?.info?.subject === 'alice')).toBe(true);
    expect(writer.stats().redisErrors + reader.stats().redisErrors).toBe(0);
    expect(reader.stats().redisHits).toBe(10);
  });
});

describe('a hung Redis is still found out, within a bound relative to commandTimeout', () => {
  it('a replay check fails once commandTimeout has passed, not before and not much later', async () => {
    const store = await replayStore(TIMEOUT_MS);
    redis.freeze();
    const { result, ms } = await timed(() =>
      store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000).then(
        () => 'answered',
        (error: Error) => error.message,
      ),
    );
    expect(result).toMatch(/no answer within 500 ms/);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
    // Generous for a loaded machine: the bound is a multiple of the timeout, not forever.
    expect(ms).toBeLessThan(10 * TIMEOUT_MS);
  });

  it('a Redis busy with a slow command (DEBUG SLEEP) is waited for within the timeout, refused past it', async () => {
    // A patient store for the short stall (a loaded machine may slow Redis too), a strict one for the long.
    const patient = await replayStore(4 * TIMEOUT_MS);
    const strict = await replayStore(TIMEOUT_MS);
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const slow = async (store: RedisReplayStore, sleepSeconds: number) => {
        const sleeping = raw.sendCommand(['DEBUG', 'SLEEP', String(sleepSeconds)]);
        const check = timed(() =>
          store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000).then(
            (first) => first,
            (error: Error) => error.message,
          ),
        );
        await sleeping;
        return check;
      };
      // Redis stalls for a fourth of the timeout: the check waits and gets its answer.
      expect((await slow(patient, TIMEOUT_MS / 1000)).result).toBe(true);
      // Redis stalls for four times the timeout: the check is refused after the timeout, not the stall.
      const refused = await slow(strict, (4 * TIMEOUT_MS) / 1000);
      expect(refused.result).toMatch(/no answer within 500 ms/);
      expect(refused.ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
      expect(refused.ms).toBeLessThan(4 * TIMEOUT_MS);
    } finally {
      raw.destroy();
    }
  });

  it('a token-cache read fails the same way, and the request goes on as a miss', async () => {
    const store = await fixture.store({ commandTimeout: TIMEOUT_MS });
    redis.freeze();
    const { result, ms } = await timed(() => store.get('rs:token:hung'));
    expect(result).toBeUndefined();
    expect(store.stats().redisErrors).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(TIMEOUT_MS - 1);
    expect(ms).toBeLessThan(10 * TIMEOUT_MS);
  });
});
