import { tokenCache } from '@rs/core';
import { afterEach, expect, it } from 'vitest';
import {
  type RedisReplayStore,
  RedisStoreError,
  type RedisTokenCacheStore,
  type RedisTokenCacheStoreOptions,
  redisTokenCacheStore,
} from '../src/index.js';
import { CountingAuthorizationServer, requestContext, waitFor } from './helpers.js';
import { leftBehind, openHandles } from './open-handles.js';
import { connectedReplayStore } from './store-fixture.js';

/** How the stores reach a deployment (a cluster or Sentinel), and what the scenarios may do to it. */
export interface Deployment {
  readonly connection: Pick<RedisTokenCacheStoreOptions, 'cluster' | 'sentinel'>;
  /** How long the stores may take to connect and subscribe. */
  readonly readyWithinMs: number;
}

/** Stores on a deployment, all closed after each test. */
export class DeploymentFixture {
  private readonly stores: (RedisTokenCacheStore | RedisReplayStore)[] = [];

  constructor(private readonly deployment: () => Deployment) {}

  /** A token-cache store, once connected and subscribed (so that it hears every eviction). */
  async cacheStore(): Promise<RedisTokenCacheStore> {
    const { connection, readyWithinMs } = this.deployment();
    const store = redisTokenCacheStore({ ...connection, reconnectMaxDelay: 200 });
    this.stores.push(store);
    await waitFor(
      'the store to connect and subscribe',
      () => store.stats().connected && store.stats().subscribed,
      readyWithinMs,
    );
    return store;
  }

  /** A replay store, once it answers. */
  async replayStore(): Promise<RedisReplayStore> {
    const store = await connectedReplayStore(this.deployment().connection);
    this.stores.push(store);
    return store;
  }

  /** Two resource-server instances: a token cache and a replay store each, one authorization server. */
  async twoInstances() {
    const authorizationServer = new CountingAuthorizationServer();
    const [storeA, storeB, replayA, replayB] = await Promise.all([
      this.cacheStore(),
      this.cacheStore(),
      this.replayStore(),
      this.replayStore(),
    ]);
    const cacheA = tokenCache(authorizationServer, { store: storeA });
    const cacheB = tokenCache(authorizationServer, { store: storeB });
    return { authorizationServer, storeA, storeB, cacheA, cacheB, replayA, replayB };
  }

  async closeAll(): Promise<void> {
    await Promise.all(this.stores.splice(0).map((store) => store.close()));
  }
}

/** Tokens of one test (answers of other tests stay in Redis), enough to land on every shard of a cluster. */
export function freshTokens(): string[] {
  const run = crypto.randomUUID();
  return Array.from({ length: 24 }, (_, index) => `token-${index}-${run}`);
}

/**
 * What every deployment must do, whatever its shape: share answers, revoke and refuse replays across
 * instances. Registers the tests in the calling file.
 */
export function sharedDeploymentScenarios(deployment: () => Deployment): DeploymentFixture {
  const fixture = new DeploymentFixture(deployment);
  afterEach(() => fixture.closeAll());

  it('instances share answers, and a token revoked at one is refused at the other', async () => {
    const { authorizationServer, storeA, storeB, cacheA, cacheB } = await fixture.twoInstances();
    const tokens = freshTokens();
    for (const token of tokens) await cacheA.resolve(token, requestContext());
    for (const token of tokens) await cacheB.resolve(token, requestContext());
    expect(authorizationServer.calls).toBe(tokens.length);
    expect(storeB.stats()).toMatchObject({ redisHits: tokens.length, misses: 0, redisErrors: 0 });

    const revoked = tokens.slice(0, 6);
    for (const token of revoked) {
      authorizationServer.revoke(token);
      await cacheA.evict(token);
    }
    await waitFor('B to hear every eviction', () => storeB.stats().receivedEvictions === revoked.length);

    for (const token of revoked) {
      const answer = await cacheB.resolve(token, requestContext());
      expect(answer.ok).toBe(false);
    }
    expect((await cacheB.resolve(tokens[10]!, requestContext())).ok).toBe(true);
    expect(storeA.stats()).toMatchObject({ publishedEvictions: revoked.length, redisErrors: 0 });
  });

  it('a proof used at one instance is refused at the other', async () => {
    const { replayA, replayB } = await fixture.twoInstances();
    const tokens = freshTokens();
    const keys = tokens.map((token) => `rs:dpop:${token}:${crypto.randomUUID()}`);
    for (const key of keys) expect(await replayA.remember(key, 60_000)).toBe(true);
    for (const key of keys) expect(await replayB.remember(key, 60_000)).toBe(false);
  });

  it('clear() forgets every answer in Redis and at every instance', async () => {
    const { authorizationServer, storeA, storeB, cacheA, cacheB } = await fixture.twoInstances();
    const tokens = freshTokens();
    for (const token of tokens) {
      await cacheA.resolve(token, requestContext());
      await cacheB.resolve(token, requestContext());
    }
    expect(storeB.stats().localEntries).toBe(tokens.length);

    await storeA.clear();
    await waitFor('B to hear the clear', () => storeB.stats().localEntries === 0);

    for (const token of tokens) await cacheB.resolve(token, requestContext());
    // B found nothing in Redis either: every token went back to the authorization server.
    expect(authorizationServer.calls).toBe(2 * tokens.length);
  });

  it('close() leaves no socket or timer behind', async () => {
    const before = openHandles();
    const cacheStore = await fixture.cacheStore();
    const replayStore = await fixture.replayStore();
    await cacheStore.delete('rs:token:closing');
    await Promise.all([cacheStore.close(), replayStore.close()]);
    // Closed sockets and cleared timers leave the list of active resources on the next turns.
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(leftBehind(before, openHandles())).toEqual({});
  });

  return fixture;
}

/**
 * Requests sent while a failover is under way, until `failover` resolves: every token lookup must answer
 * (from Redis, the local tier or the authorization server), and every replay check must answer rightly or
 * fail with a {@link RedisStoreError} (a 503), never call a first use a replay.
 */
export async function trafficDuring(
  failover: Promise<unknown>,
  instance: Awaited<ReturnType<DeploymentFixture['twoInstances']>>,
  tokens: readonly string[],
): Promise<{ lookups: number; checks: number; refusedChecks: number }> {
  let done = false;
  failover.then(
    () => {
      done = true;
    },
    () => {
      done = true;
    },
  );
  let lookups = 0;
  let checks = 0;
  let refusedChecks = 0;
  while (!done) {
    const token = tokens[lookups % tokens.length]!;
    const answer = await instance.cacheA.resolve(token, requestContext());
    expect(answer.ok).toBe(true);
    lookups++;
    try {
      expect(await instance.replayA.remember(`rs:dpop:during:${crypto.randomUUID()}`, 60_000)).toBe(true);
    } catch (error) {
      expect(error).toBeInstanceOf(RedisStoreError);
      refusedChecks++;
    }
    checks++;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  await failover;
  return { lookups, checks, refusedChecks };
}

type Instances = Awaited<ReturnType<DeploymentFixture['twoInstances']>>;

/** Before a failover: every token cached at both instances, a proof per token accepted at A. */
export async function cacheAndAcceptProofs(
  instances: Instances,
  tokens: readonly string[],
): Promise<string[]> {
  for (const token of tokens) {
    await instances.cacheA.resolve(token, requestContext());
    await instances.cacheB.resolve(token, requestContext());
  }
  const proofs = tokens.map((token) => `rs:dpop:before:${token}`);
  for (const proof of proofs) expect(await instances.replayA.remember(proof, 60_000)).toBe(true);
  return proofs;
}

/** Waits until replay checks of keys like `tokens` (over every shard) are answered again. */
export async function replayChecksAnswered(
  replay: RedisReplayStore,
  tokens: readonly string[],
  withinMs: number,
): Promise<void> {
  await waitFor(
    'replay checks to be answered again',
    async () => {
      try {
        for (const token of tokens)
          await replay.remember(`rs:dpop:after:${token}:${crypto.randomUUID()}`, 60_000);
        return true;
      } catch {
        return false;
      }
    },
    withinMs,
  );
}

/**
 * After a failover: proofs accepted before it are replays at B, and a token revoked and evicted at A is
 * refused at B (the eviction went through the promoted primary).
 */
export async function revocationAndReplayRefusalHold(
  instances: Instances,
  tokens: readonly string[],
  proofs: readonly string[],
): Promise<void> {
  const { authorizationServer, storeB, cacheA, cacheB, replayB } = instances;
  for (const proof of proofs) expect(await replayB.remember(proof, 60_000)).toBe(false);

  const heard = storeB.stats().receivedEvictions;
  authorizationServer.revoke(tokens[0]!);
  await cacheB.resolve(tokens[0]!, requestContext());
  await cacheA.evict(tokens[0]!);
  await waitFor('B to hear the eviction', () => storeB.stats().receivedEvictions === heard + 1);
  expect((await cacheB.resolve(tokens[0]!, requestContext())).ok).toBe(false);
}

/** What a failover scenario needs from its deployment. */
export interface FailoverSteps<Node> {
  /** Waits until every write the primary took so far has reached its replica. */
  readonly replicate: () => Promise<void>;
  /** Fails the eviction channel's primary over; resolves with the node promoted in its place. */
  readonly failover: () => Promise<{ readonly promoted: Node }>;
  /** How many connections are subscribed to the eviction channel on `node`. */
  readonly subscribersOn: (node: Node) => Promise<number>;
  /** How long the deployment may take to fail over and the stores to follow, from its own timeouts. */
  readonly recoveryMs: number;
}

/**
 * A failover under traffic, with two instances: requests carry on throughout (lookups always answer, replay
 * checks answer rightly or 503), the stores send commands to and subscribe on the promoted primary within
 * the deployment's own bounds, and revocation and replay refusal hold across the failover.
 */
export async function failoverScenario<Node>(
  fixture: DeploymentFixture,
  steps: FailoverSteps<Node>,
): Promise<void> {
  const instances = await fixture.twoInstances();
  const tokens = freshTokens();
  const proofs = await cacheAndAcceptProofs(instances, tokens);
  // Redis replicates asynchronously: what a crash loses before reaching the replica is not the store's doing.
  await steps.replicate();

  const startedAt = performance.now();
  const failover = steps.failover();
  const traffic = await trafficDuring(failover, instances, tokens);
  const { promoted } = await failover;
  expect(traffic.lookups).toBeGreaterThan(0);

  await replayChecksAnswered(instances.replayA, tokens, steps.recoveryMs);
  await waitFor(
    'both subscribers to be on the promoted primary',
    async () =>
      instances.storeA.stats().subscribed &&
      instances.storeB.stats().subscribed &&
      (await steps.subscribersOn(promoted)) === 2,
    steps.recoveryMs,
  );
  expect(performance.now() - startedAt).toBeLessThan(2 * steps.recoveryMs);

  // On every shard, the promoted one included.
  await revocationAndReplayRefusalHold(instances, tokens, proofs);
}
