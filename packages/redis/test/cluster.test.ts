import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { channelSubscription } from '../src/channel-subscription.js';
import { keySlot } from '../src/key-slot.js';
import { subscriberClientAt } from '../src/owned-client.js';
import { confirmSlotPrimary, NotSlotPrimaryError } from '../src/slot-primary-check.js';
import {
  type Deployment,
  failoverScenario,
  freshTokens,
  sharedDeploymentScenarios,
} from './deployment-scenarios.js';
import { requestContext, waitFor } from './helpers.js';
import { CLUSTER_NODE_TIMEOUT_MS, type RedisCluster, startRedisCluster } from './redis-cluster.js';
import { type RedisNode, redisCli } from './redis-node.js';

const CHANNEL = 'rs:token-cache:evict';
let cluster: RedisCluster;
const deployment = (): Deployment => ({
  connection: { cluster: { rootNodes: cluster.rootNodes } },
  readyWithinMs: 20_000,
});

beforeAll(async () => {
  cluster = await startRedisCluster();
}, 60_000);
afterAll(() => cluster?.stop());

/** How many connections are subscribed to the eviction channel on `node`. */
async function subscribersOn(node: RedisNode): Promise<number> {
  const counted = await redisCli(['-p', String(node.port), 'PUBSUB', 'SHARDNUMSUB', CHANNEL]);
  return Number(counted.trim().split('\n')[1]);
}

describe('@rs/redis on a Redis Cluster (three primaries, three replicas)', () => {
  const fixture = sharedDeploymentScenarios(deployment);

  it('spreads answers over every primary, and evictions go over the channel’s shard (SSUBSCRIBE)', async () => {
    const { cacheA } = await fixture.twoInstances();
    const tokens = freshTokens();
    for (const token of tokens) await cacheA.resolve(token, requestContext());

    const primaries = await cluster.primaries();
    expect(primaries).toHaveLength(3);
    for (const primary of primaries) {
      expect((await cluster.keysOn(primary, 'rs:token:*')).length).toBeGreaterThan(0);
    }
    const channelShard = await cluster.primaryOf(CHANNEL);
    const subscribers = await redisCli(['-p', String(channelShard.port), 'PUBSUB', 'SHARDNUMSUB', CHANNEL]);
    expect(subscribers.trim().split('\n')).toEqual([CHANNEL, '2']);
  });

  it('follows slots moving to another primary: ASK while they move, MOVED once they have, the channel too', async () => {
    const { authorizationServer, storeA, storeB, cacheA, cacheB, replayA, replayB } =
      await fixture.twoInstances();
    // Only this test's answer in Redis, so that the key found below is its.
    await storeA.clear();
    await cacheA.resolve('moving-token', requestContext());
    const [cached] = (
      await Promise.all((await cluster.primaries()).map((primary) => cluster.keysOn(primary, 'rs:token:*')))
    ).flat();
    const proof = `rs:dpop:moving:${crypto.randomUUID()}`;
    expect(await replayA.remember(proof, 60_000)).toBe(true);

    const finishMovingToken = await cluster.startMovingSlotOf(cached!);
    // B has never looked: its lookup goes to the old owner, which answers ASK.
    expect((await cacheB.resolve('moving-token', requestContext())).ok).toBe(true);
    expect(storeB.stats()).toMatchObject({ redisHits: 1, redisErrors: 0 });
    await finishMovingToken();

    const finishMovingProof = await cluster.startMovingSlotOf(proof);
    await finishMovingProof();
    // B's view of the cluster is stale: the old owner answers MOVED, and B follows.
    expect(await replayB.remember(proof, 60_000)).toBe(false);
    expect(authorizationServer.calls).toBe(1);

    // The eviction channel's slot moves too: Redis drops both subscriptions, and they start again there.
    const finishMovingChannel = await cluster.startMovingSlotOf(CHANNEL);
    await finishMovingChannel();
    const channelShard = await cluster.primaryOf(CHANNEL);
    await waitFor(
      'both subscribers to follow the channel',
      async () =>
        (await redisCli(['-p', String(channelShard.port), 'PUBSUB', 'SHARDNUMSUB', CHANNEL])).trim() ===
        `${CHANNEL}\n2`,
      10 * CLUSTER_NODE_TIMEOUT_MS,
    );
    const heard = storeB.stats().receivedEvictions;
    await cacheA.evict('moving-token');
    await waitFor('B to hear the eviction', () => storeB.stats().receivedEvictions === heard + 1);
  }, 60_000);

  const failoverSteps = (failover: () => Promise<{ promoted: RedisNode }>) => ({
    replicate: () => cluster.replicate(),
    failover,
    subscribersOn,
    // Detection and election (a few node timeouts), then the stores' reconnection.
    recoveryMs: 15 * CLUSTER_NODE_TIMEOUT_MS,
  });

  it('only the channel’s primary confirms it serves the channel’s slot: not its replica, not another primary', async () => {
    const primary = await cluster.primaryOf(CHANNEL);
    const confirming = await Promise.all(
      cluster.nodes
        .filter((node) => !node.killed)
        .map(async (node) => {
          const client = createClient({ socket: { host: '127.0.0.1', port: node.port } });
          await client.connect();
          try {
            await confirmSlotPrimary(client, keySlot(CHANNEL));
            return [node];
          } catch (error) {
            expect(error).toBeInstanceOf(NotSlotPrimaryError);
            return [];
          } finally {
            client.destroy();
          }
        }),
    );
    expect(confirming.flat()).toEqual([primary]);
  });

  it('a subscriber sent to a node that is not the channel’s primary (a stale slot map) re-reads the topology there, and subscribes on the primary', async () => {
    const primary = await cluster.primaryOf(CHANNEL);
    const replica = await cluster.replicaOf(primary);
    // The map a store may hold right after a graceful failover: it still names the node now a replica.
    let mapSays = replica.address;
    const rereadFrom: (string | undefined)[] = [];
    const refusals: unknown[] = [];
    const messages: string[] = [];
    const subscription = channelSubscription(
      {
        sharded: true,
        moves: true,
        address: () => mapSays,
        create: (address, reconnectStrategy) => subscriberClientAt(address, {}, reconnectStrategy),
        confirm: (client) => confirmSlotPrimary(client, keySlot(CHANNEL)),
        async onTrouble(address) {
          rereadFrom.push(address);
          mapSays = primary.address;
        },
      },
      {
        channel: CHANNEL,
        reconnectMaxDelay: 200,
        onMessage: (message) => messages.push(message),
        onRestart: () => undefined,
        onConnectionError: (error) => refusals.push(error),
        onSubscribeError: (error) => refusals.push(error),
      },
    );
    try {
      await waitFor('the subscription to be active', () => subscription.active());
      expect(rereadFrom).toEqual([replica.address]);
      expect(refusals).toHaveLength(1);
      expect(refusals[0]).toBeInstanceOf(NotSlotPrimaryError);
      await waitFor('the refused connection to be gone', async () => (await subscribersOn(replica)) === 0);
      expect(await subscribersOn(primary)).toBe(1);
      await redisCli(['-p', String(primary.port), 'SPUBLISH', CHANNEL, 'heard on the primary']);
      await waitFor('the message', () => messages.length === 1);
      expect(messages).toEqual(['heard on the primary']);
    } finally {
      await subscription.close();
    }
  });

  it('a node that keeps refusing is asked again after growing pauses, as a reconnection would be', async () => {
    const replica = await cluster.replicaOf(await cluster.primaryOf(CHANNEL));
    const reconnectMaxDelay = 800;
    const refusedAt: number[] = [];
    const subscription = channelSubscription(
      {
        sharded: true,
        moves: true,
        // A map that stays stale, read again to no avail.
        address: () => replica.address,
        create: (address, reconnectStrategy) => subscriberClientAt(address, {}, reconnectStrategy),
        confirm: (client) => confirmSlotPrimary(client, keySlot(CHANNEL)),
        onTrouble: async () => undefined,
      },
      {
        channel: CHANNEL,
        reconnectMaxDelay,
        onMessage: () => undefined,
        onRestart: () => undefined,
        onConnectionError: () => undefined,
        onSubscribeError: () => refusedAt.push(performance.now()),
      },
    );
    try {
      await waitFor('six refusals', () => refusedAt.length >= 6, 20 * reconnectMaxDelay);
      expect(subscription.active()).toBe(false);
      // 50 ms, doubling, up to reconnectMaxDelay (plus jitter, never less): 50, 100, 200, 400, 800.
      const gaps = refusedAt.slice(1).map((at, index) => at - refusedAt[index]!);
      gaps.forEach((gap, index) => {
        expect(gap).toBeGreaterThanOrEqual(Math.min(50 * 2 ** index, reconnectMaxDelay) - 1);
      });
    } finally {
      await subscription.close();
    }
  });

  // After CLUSTER FAILOVER the demoted primary drops the subscriptions (SUNSUBSCRIBE), and an instance that
  // sends no command of its own meanwhile still has the old slot map: its subscriber must not settle on the
  // demoted node, which, now a replica, would accept SSUBSCRIBE.
  it('follows a graceful failover (CLUSTER FAILOVER) of the channel’s primary', async () => {
    await failoverScenario(
      fixture,
      failoverSteps(() => cluster.handOverPrimaryOf(CHANNEL)),
    );
  }, 120_000);

  it('survives the death of the channel’s primary: bounded disruption, revocation and replay refusal hold across it', async () => {
    await failoverScenario(
      fixture,
      failoverSteps(() => cluster.killPrimaryOf(CHANNEL)),
    );
  }, 120_000);
});
