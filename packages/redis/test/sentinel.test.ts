import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type Deployment,
  freshTokens,
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

  it('survives the primary’s death: bounded disruption, revocation and replay refusal hold across the failover', async () => {
    const instances = await fixture.twoInstances();
    const { authorizationServer, storeA, storeB, cacheA, cacheB, replayA, replayB } = instances;
    const tokens = freshTokens();
    for (const token of tokens) {
      await cacheA.resolve(token, requestContext());
      await cacheB.resolve(token, requestContext());
    }
    const proofs = tokens.map((token) => `rs:dpop:before:${token}`);
    for (const proof of proofs) expect(await replayA.remember(proof, 60_000)).toBe(true);
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
    await waitFor(
      'replay checks to be answered again',
      async () => {
        try {
          await replayA.remember(`rs:dpop:after:${crypto.randomUUID()}`, 60_000);
          return true;
        } catch {
          return false;
        }
      },
      recoveryMs,
    );
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

    for (const proof of proofs) expect(await replayB.remember(proof, 60_000)).toBe(false);

    const heard = storeB.stats().receivedEvictions;
    authorizationServer.revoke(tokens[0]!);
    await cacheB.resolve(tokens[0]!, requestContext());
    await cacheA.evict(tokens[0]!);
    await waitFor('B to hear the eviction', () => storeB.stats().receivedEvictions === heard + 1);
    expect((await cacheB.resolve(tokens[0]!, requestContext())).ok).toBe(false);
  }, 120_000);
});
