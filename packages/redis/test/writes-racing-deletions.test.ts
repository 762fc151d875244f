import { type CachedAnswer, tokenInfoFromClaims } from '@rs/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisTokenCacheStore, redisTokenCacheStore } from '../src/index.js';
import { labelHash } from '../src/label-hash.js';
import { waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// A write is several commands (the entry, and its index members under each revocation label), and a
// deletion by label or a clear() is several more, on another instance's connection: Redis runs them
// interleaved. Whatever the interleaving, an entry left in Redis must stay findable by a later
// revocation of its label, or that revocation leaves a revoked answer for every instance to serve.
// The interleaving is made deterministic by holding the writer's `SET` back, as a slow network would,
// until the other instance's deletion is over.

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);
const writers: RedisTokenCacheStore[] = [];
const clients: ReturnType<typeof createClient>[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  await Promise.all(writers.splice(0).map((store) => store.close()));
  for (const client of clients.splice(0)) if (client.isOpen) client.destroy();
  await fixture.closeAll();
});
afterAll(() => stopAllRedis());

const LABEL = 'sub:alice';
const KEY = 'rs:token:alice-token';

function answerFor(subject: string): CachedAnswer {
  const info = tokenInfoFromClaims({ iss: 'https://as.example.com', sub: subject, scope: 'read' }, 'jwt');
  return { info, usableUntil: Date.now() + 60_000 };
}

/**
 * A store writing through a client whose next `SET` of `key` is held back until released: `held`
 * resolves once the store has sent it (its other commands went on to Redis).
 */
async function writerHoldingSet(key: string) {
  const client = createClient({ url: redis.url, disableOfflineQueue: true });
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  let sent!: () => void;
  const held = new Promise<void>((resolve) => {
    sent = resolve;
  });
  let holding = true;
  const send = client.sendCommand.bind(client);
  client.sendCommand = ((args: readonly string[], options?: unknown) => {
    if (holding && args[0] === 'SET' && args[1] === key) {
      holding = false;
      sent();
      return released.then(() => send(args as string[], options as never));
    }
    return send(args as string[], options as never);
  }) as typeof client.sendCommand;
  // One local entry: the writer keeps no copy of the held answer to delete again when it hears of the
  // deletion (an instance whose in-process tier has moved on to other tokens).
  const store = redisTokenCacheStore({ client, commandTimeout: 10_000, localMaxEntries: 1 });
  writers.push(store);
  await waitFor('the writer to subscribe', () => store.stats().subscribed);
  return { store, held, release };
}

/** Writes the held answer, lets `deletion` run once its index members are in Redis, then the `SET`. */
async function writeAcross(deletion: () => Promise<unknown>): Promise<RedisTokenCacheStore> {
  const raw = await fixture.raw();
  const writer = await writerHoldingSet(KEY);
  const writing = writer.store.set(KEY, answerFor('alice'), 60_000).catch((error: unknown) => error);
  await writer.held;
  // The index member went ahead of the entry (or with it): Redis holds it before the deletion begins.
  await waitFor(
    'the index member',
    async () => (await raw.zScore(`rs:token:index:${labelHash(LABEL)}`, KEY)) !== null,
  );
  // Another token of the writer's takes its one local entry.
  await writer.store.set('rs:token:bob-token', answerFor('bob'), 60_000);
  const heard = writer.store.stats().receivedEvictions;
  await deletion();
  await waitFor('the writer to hear the deletion', () => writer.store.stats().receivedEvictions > heard);
  writer.release();
  expect(await writing).toBeUndefined();
  return writer.store;
}

describe('a write racing a deletion on another instance', () => {
  it('leaves no entry that a later revocation of its label cannot find: deleteLabelled', async () => {
    const deleter = await fixture.store();
    const raw = await fixture.raw();
    await writeAcross(() => deleter.deleteLabelled(LABEL));

    // The entry may be in Redis (it was written after the deletion began); the next revocation finds it.
    await deleter.deleteLabelled(LABEL);
    expect(await raw.exists(KEY)).toBe(0);
    const reader = await fixture.store();
    expect(await reader.get(KEY)).toBeUndefined();
  });

  it('leaves no entry that a later revocation of its label cannot find: clear()', async () => {
    const deleter = await fixture.store();
    const raw = await fixture.raw();
    await writeAcross(() => deleter.clear());

    await deleter.deleteLabelled(LABEL);
    expect(await raw.exists(KEY)).toBe(0);
    const reader = await fixture.store();
    expect(await reader.get(KEY)).toBeUndefined();
  });
});
