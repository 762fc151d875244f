import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Deployment,
  failoverScenario,
  freshTokens,
  sharedDeploymentScenarios,
} from './deployment-scenarios.js';
import { requestContext } from './helpers.js';
import { type RedisNode, redisCli, replicated } from './redis-node.js';
import {
  type RedisSentinelSetup,
  SENTINEL_DOWN_AFTER_MS,
  SENTINEL_MASTER_NAME,
  startRedisSentinel,
} from './redis-sentinel.js';

const CHANNEL = 'rs:token-cache:evict';
let setup: RedisSentinelSetup;
const deployment = (): Deployment => ({
  connection: { sentinel: { name: SENTINEL_MASTER_NAME, sentinelRootNodes: setup.sentinelRootNodes } },
  readyWithinMs: 20_000,
});

beforeAll(async () => {
  setup = await startRedisSentinel();
}, 60_000);
afterAll(() => setup?.stop());

describe('@rs/redis on a primary and a replica behind three sentinels', () => {
  const fixture = sharedDeploymentScenarios(deployment);

  it('writes to the primary the sentinels name, and subscribes there', async () => {
    const { cacheA } = await fixture.twoInstances();
    await cacheA.resolve(freshTokens()[0]!, requestContext());
    const primary = await setup.primary();
    const subscribers = await redisCli([
      '-p',
      String(primary.port),
      'PUBSUB',
      'NUMSUB',
      'rs:token-cache:evict',
    ]);
    expect(subscribers.trim().split('\n')).toEqual([CHANNEL, '2']);
  });

  const failoverSteps = (failover: () => Promise<{ promoted: RedisNode }>) => ({
    replicate: async () => {
      await replicated(await setup.primary());
    },
    failover,
    subscribersOn: async (node: RedisNode) =>
      Number((await redisCli(['-p', String(node.port), 'PUBSUB', 'NUMSUB', CHANNEL])).trim().split('\n')[1]),
    // Down-after, agreement of a quorum, leader election and promotion, then the stores' reconnection.
    recoveryMs: 20 * SENTINEL_DOWN_AFTER_MS,
  });

  it('follows a failover the sentinels are asked for (SENTINEL FAILOVER)', async () => {
    await failoverScenario(
      fixture,
      failoverSteps(() => setup.handOver()),
    );
  }, 120_000);

  it('survives the primary’s death: bounded disruption, revocation and replay refusal hold across the failover', async () => {
    await failoverScenario(
      fixture,
      failoverSteps(() => setup.killPrimary()),
    );
  }, 120_000);
});
