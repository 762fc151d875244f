import { createResourceServer, type ResourceServer, type RsRequest } from '@rs/core';
import { type DpopKey, generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
import { createClient } from 'redis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisReplayStore, type RedisStoreError, redisReplayStore } from '../src/index.js';
import { waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore } from './store-fixture.js';

let redis: RedisProcess;
let issuer: TestIssuer;
const stores: RedisReplayStore[] = [];
beforeAll(async () => {
  redis = await startRedis();
  issuer = await testIssuer();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(() => stopAllRedis());

const PROOF_URL = 'https://api.example.test/orders';

/** A store on the test Redis, once its own client is connected. */
async function connectedStore(
  onError?: (error: RedisStoreError) => void,
  commandTimeout?: number,
): Promise<RedisReplayStore> {
  const store = await connectedReplayStore(redis.url, { onError, commandTimeout });
  stores.push(store);
  return store;
}

/** One resource-server instance with DPoP on and the given replay store. */
function instance(replayStore: RedisReplayStore): ResourceServer {
  return createResourceServer(issuer.options({ requireHttps: true, dpop: { replayStore } }));
}

async function dpopRequest(key: DpopKey): Promise<RsRequest> {
  const token = await issuer.mint({ cnf: { jkt: key.thumbprint } });
  const proof = await key.proof('GET', PROOF_URL, token);
  return { method: 'GET', url: PROOF_URL, headers: { authorization: `DPoP ${token}`, dpop: proof } };
}

describe('redisReplayStore', () => {
  it('answers true for a first use and false for every later one, across clients', async () => {
    const a = await connectedStore();
    const b = await connectedStore();
    const key = `rs:dpop:${crypto.randomUUID()}`;
    expect(await a.remember(key, 60_000)).toBe(true);
    expect(await a.remember(key, 60_000)).toBe(false);
    expect(await b.remember(key, 60_000)).toBe(false);
  });

  it('lets exactly one of many concurrent calls win', async () => {
    const [a, b] = await Promise.all([connectedStore(), connectedStore()]);
    const key = `rs:dpop:${crypto.randomUUID()}`;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? a : b).remember(key, 60_000)),
    );
    expect(answers.filter(Boolean)).toHaveLength(1);
  });

  it('sets the key with the lifetime asked for, holding a random token and nothing of the proof', async () => {
    const store = await connectedStore();
    const raw = createClient({ url: redis.url });
    await raw.connect();
    try {
      const key = `rs:dpop:${crypto.randomUUID()}`;
      await store.remember(key, 5_000);
      expect(await raw.get(key)).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      const ttl = await raw.pTTL(key);
      expect(ttl).toBeGreaterThan(4_000);
      expect(ttl).toBeLessThanOrEqual(5_000);
    } finally {
      raw.destroy();
    }
  });

  it('refuses a proof replayed at another instance sharing the Redis', async () => {
    const first = instance(await connectedStore());
    const second = instance(await connectedStore());
    const request = await dpopRequest(await generateDpopKey());

    const accepted = await first.authenticate(request);
    expect(accepted.ok).toBe(true);
    const replayed = await second.authenticate(request);
    expect(replayed.ok || replayed.rejection.code).toBe('dpop_replayed');
    expect(replayed.ok || replayed.rejection.status).toBe(401);
  });

  it('fails closed: with Redis gone, remember throws and core answers 503 replay_check_unavailable', async () => {
    const errors: RedisStoreError[] = [];
    const store = await connectedStore((error) => errors.push(error));
    const rs = instance(store);
    await redis.kill();
    try {
      await expect(store.remember(`rs:dpop:${crypto.randomUUID()}`, 60_000)).rejects.toMatchObject({
        code: 'ERR_RS_REDIS',
        operation: 'remember',
      });
      const outcome = await rs.authenticate(await dpopRequest(await generateDpopKey()));
      expect(outcome.ok || outcome.rejection).toMatchObject({
        status: 503,
        code: 'replay_check_unavailable',
      });
      expect(errors.some((error) => error.operation === 'remember')).toBe(true);
    } finally {
      await redis.restart();
    }
  });

  describe('a check whose outcome is unknown (Redis hung past commandTimeout)', () => {
    // Redis is frozen while the SET is in its socket; it runs the SET once thawed, after the request got 503.
    const TIMEOUT_MS = 500;

    it('answers 503, and the same proof retried at the same instance is accepted, not called a replay', async () => {
      const rs = instance(await connectedStore(undefined, TIMEOUT_MS));
      const request = await dpopRequest(await generateDpopKey());
      redis.freeze();
      let refused: Awaited<ReturnType<ResourceServer['authenticate']>>;
      try {
        refused = await rs.authenticate(request);
      } finally {
        redis.thaw();
      }
      expect(refused.ok || refused.rejection).toMatchObject({
        status: 503,
        code: 'replay_check_unavailable',
      });

      const retried = await rs.authenticate(request);
      expect(retried.ok).toBe(true);
      // Accepted once: from now on it is a replay.
      const replayed = await rs.authenticate(request);
      expect(replayed.ok || replayed.rejection.code).toBe('dpop_replayed');
    });

    it('releases the key once Redis answers, so other instances accept the retry too', async () => {
      const refusing = await connectedStore(undefined, TIMEOUT_MS);
      const other = await connectedStore();
      const raw = createClient({ url: redis.url });
      await raw.connect();
      try {
        const key = `rs:dpop:${crypto.randomUUID()}`;
        redis.freeze();
        try {
          await expect(refusing.remember(key, 60_000)).rejects.toMatchObject({ operation: 'remember' });
        } finally {
          redis.thaw();
        }
        // Redis ran the late SET (it was in the socket) and then the release that its answer caused.
        await waitFor('the late claim to be released', async () => (await raw.exists(key)) === 0);
        expect(await other.remember(key, 60_000)).toBe(true);
        expect(await refusing.remember(key, 60_000)).toBe(false);
      } finally {
        raw.destroy();
      }
    });

    it('never releases a key set by a check that was answered', async () => {
      const store = await connectedStore(undefined, TIMEOUT_MS);
      const key = `rs:dpop:${crypto.randomUUID()}`;
      expect(await store.remember(key, 60_000)).toBe(true);
      redis.freeze();
      try {
        await expect(store.remember(key, 60_000)).rejects.toMatchObject({ operation: 'remember' });
      } finally {
        redis.thaw();
      }
      // The refused check's release compares tokens: the key of the accepted use stays.
      expect(await store.remember(key, 60_000)).toBe(false);
      expect(await store.remember(key, 60_000)).toBe(false);
    });
  });

  it('checks its options at start-up', () => {
    expect(() => redisReplayStore({})).toThrow(/exactly one of `client`, `url`, `cluster` and `sentinel`/);
    expect(() => redisReplayStore({ url: redis.url, commandTimeout: 0 })).toThrow(
      /an integer from 1 to 2147483647/,
    );
  });
});
