import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  type AccessTokenResolver,
  createResourceServer,
  type ResourceServer,
  RsConfigError,
  type RsRequest,
  tokenCache,
} from '@rs/core';
import { type DpopKey, generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { FIXED_KEY_PREFIXES } from '../src/fixed-key-prefixes.js';
import { type RedisReplayStore, redisTokenCacheStore } from '../src/index.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore, StoreFixture } from './store-fixture.js';

// The token cache store's clear() deletes every key under its keyPrefix. The replay store keeps, in the
// same Redis, the markers of used DPoP proofs under core's fixed `rs:dpop:` (and of received security
// event tokens under `rs:set:`). A keyPrefix such as `rs:` reached them: clear() forgot which proofs were
// used, and a used proof was accepted again. Such a prefix is refused when the store is built.

let redis: RedisProcess;
let issuer: TestIssuer;
const fixture = new StoreFixture(() => redis);
const replayStores: RedisReplayStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
  issuer = await testIssuer();
});
afterEach(async () => {
  const raw = await fixture.raw();
  await raw.sendCommand(['FLUSHALL']);
  await fixture.closeAll();
  await Promise.all(replayStores.splice(0).map((store) => store.close()));
});
afterAll(() => stopAllRedis());

const PROOF_URL = 'https://api.example.test/orders';

/** What `build` threw, which must be an RsConfigError. */
function configError(build: () => unknown): RsConfigError {
  let thrown: unknown;
  try {
    build();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(RsConfigError);
  return thrown as RsConfigError;
}

/** The test issuer's resolver, named so that a shared store may hold its answers. */
function namedResolver(): AccessTokenResolver {
  return {
    cacheNamespace: 'test-issuer',
    resolve: (token, context) => issuer.resolver.resolve(token, context),
  };
}

/** One instance on the test Redis: its replay store, and its answers cached under `keyPrefix`. */
async function instance(keyPrefix: string): Promise<{ rs: ResourceServer; clear: () => Promise<void> }> {
  const replayStore = await connectedReplayStore(redis.url);
  replayStores.push(replayStore);
  const store = await fixture.store({ keyPrefix });
  const cache = tokenCache(namedResolver(), { store, keyPrefix });
  return {
    rs: createResourceServer(issuer.options({ resolver: cache, dpop: { replayStore } })),
    clear: () => cache.clear(),
  };
}

async function dpopRequest(key: DpopKey): Promise<RsRequest> {
  const token = await issuer.mint({ cnf: { jkt: key.thumbprint } });
  const proof = await key.proof('GET', PROOF_URL, token);
  return { method: 'GET', url: PROOF_URL, headers: { authorization: `DPoP ${token}`, dpop: proof } };
}

describe("redisTokenCacheStore refuses a keyPrefix that meets another component's keys", () => {
  it.each([
    // Covering `rs:dpop:`: clear() would delete the markers of used proofs.
    'rs:',
    'rs',
    'r',
    'rs:dpop',
    'rs:dpop:',
    // Under it: answers among the markers, and clear() deleting those whose hash begins with `0`.
    'rs:dpop:0',
    // The markers of received security event tokens.
    'rs:set:',
    'rs:se',
  ])('%s', async (keyPrefix) => {
    const error = configError(() => redisTokenCacheStore({ url: redis.url, keyPrefix }));
    expect(error.option).toBe('redisTokenCacheStore.keyPrefix');
    expect(error.problem).toContain(`is ${JSON.stringify(keyPrefix)}`);
    expect(error.problem).toMatch(/"rs:dpop:"|"rs:set:"/);
    expect(error.problem).toContain('clear()');
    expect(error.problem).toContain('"rs:token:"');
  });

  it('names what deleting the DPoP markers would let through', () => {
    const error = configError(() => redisTokenCacheStore({ url: redis.url, keyPrefix: 'rs:' }));
    expect(error.problem).toContain('"rs:dpop:"');
    expect(error.problem).toContain('a used DPoP proof would be accepted again');
  });

  it('refuses the empty prefix, which covers every key', () => {
    expect(configError(() => redisTokenCacheStore({ url: redis.url, keyPrefix: '' })).option).toBe(
      'redisTokenCacheStore.keyPrefix',
    );
  });
});

describe('with a prefix of its own, clear() leaves the replay markers alone', () => {
  // `rs:dpop-cache:` shares a beginning with `rs:dpop:` but neither begins with the other.
  it.each(['rs:token:', 'orders:token:', 'rs:dpop-cache:'])(
    'keyPrefix %s: a used proof is still refused after clear()',
    async (keyPrefix) => {
      const { rs, clear } = await instance(keyPrefix);
      const request = await dpopRequest(await generateDpopKey());
      expect((await rs.authenticate(request)).ok).toBe(true);
      const raw = await fixture.raw();
      expect(await raw.keys('rs:dpop:*')).toHaveLength(1);
      expect((await raw.keys(`${keyPrefix}*`)).length).toBeGreaterThan(0);

      await clear();

      // Only the revocation index is left, to expire (see RedisLabelIndex).
      const left = await raw.keys(`${keyPrefix}*`);
      expect(left.filter((key) => !key.startsWith(`${keyPrefix}index:`))).toEqual([]);
      expect(await raw.keys('rs:dpop:*')).toHaveLength(1);
      const replayed = await rs.authenticate(request);
      expect(replayed.ok || replayed.rejection.code).toBe('dpop_replayed');
    },
  );

  it('and the markers of security event tokens too', async () => {
    const replayStore = await connectedReplayStore(redis.url);
    replayStores.push(replayStore);
    const store = await fixture.store();
    const key = `rs:set:${crypto.randomUUID()}`;
    expect(await replayStore.remember(key, 60_000)).toBe(true);
    await tokenCache(namedResolver(), { store }).clear();
    expect(await replayStore.remember(key, 60_000)).toBe(false);
  });
});

describe('every fixed key prefix of @rs/core is listed', () => {
  // A component of core that keeps keys of a new kind in a store (`rs:<name>:…`) must be listed in
  // FIXED_KEY_PREFIXES, or a token cache store could be given a keyPrefix that covers them.
  it("in FIXED_KEY_PREFIXES, but for the token cache default, which is the store's own", () => {
    const sources = fileURLToPath(new URL('../../core/src/', import.meta.url));
    const written = new Set<string>();
    for (const file of readdirSync(sources, { recursive: true, encoding: 'utf8' })) {
      if (!file.endsWith('.ts')) continue;
      const text = readFileSync(`${sources}${file}`, 'utf8');
      for (const [prefix] of text.matchAll(/(?<![\w.-])rs:[a-z][a-z-]*:/g)) written.add(prefix);
    }
    // Found at all: a scan that matched nothing would pass whatever core wrote.
    expect(written).toContain('rs:dpop:');
    written.delete('rs:token:');
    expect([...written].sort()).toEqual(FIXED_KEY_PREFIXES.map(({ prefix }) => prefix).sort());
  });
});
