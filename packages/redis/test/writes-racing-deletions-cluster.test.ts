import { type CachedAnswer, tokenInfoFromClaims } from '@rs/core';
import { createCluster } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisTokenCacheStore, redisTokenCacheStore } from '../src/index.js';
import { labelHash } from '../src/label-hash.js';
import { waitFor } from './helpers.js';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';

// The cluster half of writes-racing-deletions.test.ts: there the entry and its index members live on
// different primaries, so no connection orders them. The writer's `SET` is held back, as a slow network
// would, until another instance's deletion is over; the entry left must still be found by a later
// revocation of its label.

let cluster: RedisCluster;
const stores: RedisTokenCacheStore[] = [];
let raw: ReturnType<typeof createCluster>;

const LABEL = 'sub:alice';
const KEY = 'rs:token:alice-token';

// node-redis's cluster client sends every command through this prototype method: the test holds the
// writer's `SET` of KEY there (the only way in, since the store creates its cluster client itself).
const clusterPrototype = findSendCommandOwner(createCluster({ rootNodes: [{ url: 'redis://127.0.0.1:1' }] }));
const originalSend = clusterPrototype.sendCommand as (...args: unknown[]) => Promise<unknown>;
let hold: { released: Promise<void>; sent: () => void } | undefined;

beforeAll(async () => {
  cluster = await startRedisCluster();
  raw = createCluster({
    rootNodes: cluster.rootNodes.map(({ host, port }) => ({ url: `redis://${host}:${port}` })),
  });
  raw.on('error', () => undefined);
  await raw.connect();
  clusterPrototype.sendCommand = function (this: unknown, ...args: unknown[]) {
    const command = args[2] as readonly string[];
    const held = hold;
    if (held !== undefined && command[0] === 'SET' && command[1] === KEY) {
      hold = undefined;
      held.sent();
      return held.released.then(() => originalSend.apply(this, args));
    }
    return originalSend.apply(this, args);
  };
}, 60_000);
afterEach(async () => {
  hold = undefined;
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(async () => {
  clusterPrototype.sendCommand = originalSend;
  raw?.destroy();
  await cluster?.stop();
});

function findSendCommandOwner(client: object): { sendCommand: unknown } {
  for (let owner = client; owner !== null; owner = Object.getPrototypeOf(owner)) {
    if (Object.hasOwn(owner, 'sendCommand')) return owner as { sendCommand: unknown };
  }
  throw new Error('node-redis cluster client without sendCommand');
}

async function clusterStore(options: { localMaxEntries?: number } = {}): Promise<RedisTokenCacheStore> {
  const store = redisTokenCacheStore({
    cluster: { rootNodes: cluster.rootNodes },
    reconnectMaxDelay: 200,
    commandTimeout: 10_000,
    ...options,
  });
  stores.push(store);
  await waitFor(
    'the store to connect and subscribe',
    () => store.stats().connected && store.stats().subscribed,
    20_000,
  );
  return store;
}

function answerFor(subject: string): CachedAnswer {
  const info = tokenInfoFromClaims({ iss: 'https://as.example.com', sub: subject, scope: 'read' }, 'jwt');
  return { info, usableUntil: Date.now() + 60_000 };
}

async function writeAcross(deletion: () => Promise<unknown>): Promise<void> {
  // One local entry: the writer keeps no copy of the held answer to delete again when it hears.
  const writer = await clusterStore({ localMaxEntries: 1 });
  let release!: () => void;
  let sent!: () => void;
  const held = new Promise<void>((resolve) => {
    sent = resolve;
  });
  hold = {
    released: new Promise<void>((resolve) => {
      release = resolve;
    }),
    sent,
  };
  const writing = writer.set(KEY, answerFor('alice'), 60_000).catch((error: unknown) => error);
  await held;
  await waitFor(
    'the index member',
    async () => (await raw.zScore(`rs:token:index:${labelHash(LABEL)}`, KEY)) !== null,
  );
  await writer.set('rs:token:bob-token', answerFor('bob'), 60_000);
  const heard = writer.stats().receivedEvictions;
  await deletion();
  await waitFor('the writer to hear the deletion', () => writer.stats().receivedEvictions > heard);
  release();
  expect(await writing).toBeUndefined();
}

describe('on a cluster, a write racing a deletion on another instance', () => {
  it('leaves no entry that a later revocation of its label cannot find: deleteLabelled', async () => {
    const deleter = await clusterStore();
    await writeAcross(() => deleter.deleteLabelled(LABEL));
    await deleter.deleteLabelled(LABEL);
    expect(await raw.exists(KEY)).toBe(0);
  }, 60_000);

  it('leaves no entry that a later revocation of its label cannot find: clear()', async () => {
    const deleter = await clusterStore();
    await writeAcross(() => deleter.clear());
    await deleter.deleteLabelled(LABEL);
    expect(await raw.exists(KEY)).toBe(0);
  }, 60_000);
});
