import { createResourceServer, type RevocationList, revocationList, tokenCache } from '@rs/core';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisTokenCacheStore, redisTokenCacheStore } from '../src/index.js';
import { CountingAuthorizationServer, waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// An instance reads the kept revocation markers back whenever its subscription (re)starts: what was
// published while it was not subscribed reaches it only so. Until a reading begun while subscribed has
// succeeded, it may accept a revoked token, and its health must say so, whatever else it has read.

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);
const lists: RevocationList[] = [];
const ownStores: RedisTokenCacheStore[] = [];
const clients: ReturnType<typeof createClient>[] = [];

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(async () => {
  for (const list of lists.splice(0)) list.close();
  await Promise.all(ownStores.splice(0).map((store) => store.close()));
  for (const client of clients.splice(0)) if (client.isOpen) client.destroy();
  await fixture.closeAll();
});
afterAll(() => stopAllRedis());

/**
 * A store whose client is connected at once and whose subscriber's `SUBSCRIBE` is held back until
 * released (a subscriber slower to connect than the client, or a channel on a node still failing over).
 */
async function storeSubscribingLate() {
  const client = createClient({ url: redis.url, disableOfflineQueue: true });
  client.on('error', () => undefined);
  clients.push(client);
  await client.connect();
  let release!: () => void;
  const released = new Promise<void>((resolve) => {
    release = resolve;
  });
  const duplicate = client.duplicate.bind(client);
  client.duplicate = ((options?: unknown) => {
    const subscriber = duplicate(options as never);
    const subscribe = subscriber.subscribe.bind(subscriber);
    subscriber.subscribe = ((...args: Parameters<typeof subscribe>) =>
      released.then(() => subscribe(...args))) as typeof subscriber.subscribe;
    return subscriber;
  }) as typeof client.duplicate;
  const store = redisTokenCacheStore({ client, reconnectMaxDelay: 200 });
  ownStores.push(store);
  return { store, release };
}

describe('readiness and the kept revocation markers', () => {
  it('is not ready, and says why, until markers are read back after the subscription started', async () => {
    const publisher = await fixture.store();
    const publisherList = revocationList({ share: publisher });
    lists.push(publisherList);
    await publisherList.revoke({ by: 'sub', value: 'alice' });

    const late = await storeSubscribingLate();
    const list = revocationList({ share: late.store });
    lists.push(list);
    // The list read the marker kept in Redis as it started listening, before the subscription was up.
    await waitFor('the kept marker to be read', () => late.store.stats().markersRead === 1);
    expect(late.store.stats()).toMatchObject({ connected: true, subscribed: false });
    expect(late.store.health()).toMatchObject({ ready: false, connected: true, revocationsCaughtUp: false });
    // The resource server's status() shows it under the token cache on the store.
    const cache = tokenCache(new CountingAuthorizationServer(), { store: late.store, revocations: list });
    const rs = createResourceServer({ resolver: cache });
    const status = () => rs.status();
    expect(status().dependencies[0]).toMatchObject({
      kind: 'token-cache',
      store: { ready: false, revocationsCaughtUp: false },
    });

    // Published while this instance hears nothing: only a reading after it subscribes finds it.
    await publisherList.revoke({ by: 'sub', value: 'bob' });
    expect(list.stats().markers).toBe(1);
    expect(late.store.health().ready).toBe(false);

    late.release();
    await waitFor('the store to be ready', () => late.store.health().ready);
    expect(list.stats().markers).toBe(2);
    expect(late.store.health()).toMatchObject({ ready: true, connected: true, revocationsCaughtUp: true });
    expect(status().dependencies[0]).toMatchObject({ store: { ready: true, revocationsCaughtUp: true } });
  });

  it('says nothing of revocations when no revocation list listens', async () => {
    const store = await fixture.store();
    expect(store.health()).toEqual({ store: 'redis', ready: true, connected: true });
  });
});
