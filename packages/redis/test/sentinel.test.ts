import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  cacheAndAcceptProofs,
  type Deployment,
  freshTokens,
  replayChecksAnswered,
  revocationAndReplayRefusalHold,
  sharedDeploymentScenarios,
  trafficDuring,
} from './deployment-scenarios.js';
import { requestContext, waitFor } from './helpers.js';
import { redisCli } from './redis-node.js';
import {
  type RedisSentinelSetup,
  SENTINEL_DOWN_AFTER_MS,
  SENTINEL_MASTER_NAME,
  startRedisSentinel,
} from './redis-sentinel.js';

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
    expect(subscribers.trim().split('\n')).toEqual(['rs:token-cache:evict', '2']);
  });

  it('follows a failover the sentinels are asked for (SENTINEL FAILOVER)', async () => {
    const instances = await fixture.twoInstances();
    const tokens = freshTokens();
    const proofs = await cacheAndAcceptProofs(instances, tokens);
    await redisCli(['-p', String((await setup.primary()).port), 'WAIT', '1', '5000']);

    const handOver = setup.handOver();
    await trafficDuring(handOver, instances, tokens);
    const { promoted } = await handOver;

    await replayChecksAnswered(instances.replayA, tokens, 40 * SENTINEL_DOWN_AFTER_MS);
    await waitFor(
      'both subscribers to move to the new primary',
      async () =>
        (await redisCli(['-p', String(promoted.port), 'PUBSUB', 'NUMSUB', 'rs:token-cache:evict'])).includes(
          '\n2',
        ),
      40 * SENTINEL_DOWN_AFTER_MS,
    );
    await revocationAndReplayRefusalHold(instances, tokens, proofs);
  }, 120_000);

  it('survives the primary’s death: bounded disruption, revocation and replay refusal hold across the failover', async () => {
    const instances = await fixture.twoInstances();
    const { storeA, storeB, replayA } = instances;
    const tokens = freshTokens();
    const proofs = await cacheAndAcceptProofs(instances, tokens);
    // Redis replicates asynchronously: what a crash loses is not the store's doing.
    const before = await setup.primary();
    await redisCli(['-p', String(before.port), 'WAIT', '1', '5000']);

    const killedAt = performance.now();
    const failover = setup.killPrimary();
    const traffic = await trafficDuring(failover, instances, tokens);
    const { promoted } = await failover;
    expect(promoted).not.toBe(before);
    expect(traffic.lookups).toBeGreaterThan(0);

    // Bounds relative to the sentinels' own timeout: detection, agreement, election, promotion.
    const recoveryMs = 40 * SENTINEL_DOWN_AFTER_MS;
    await replayChecksAnswered(replayA, tokens, recoveryMs);
    await waitFor(
      'both stores to be subscribed to the new primary',
      async () =>
        storeA.stats().subscribed &&
        storeB.stats().subscribed &&
        (await redisCli(['-p', String(promoted.port), 'PUBSUB', 'NUMSUB', 'rs:token-cache:evict'])).includes(
          '\n2',
        ),
      recoveryMs,
    );
    expect(performance.now() - killedAt).toBeLessThan(2 * recoveryMs);

    await revocationAndReplayRefusalHold(instances, tokens, proofs);
  }, 120_000);
});
