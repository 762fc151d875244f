import { createResourceServer, jwtResolver, type RevocationList, revocationList, staticJwks } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type RedisStoreError,
  type RedisTokenCacheStore,
  type RedisTokenCacheStoreOptions,
  redisTokenCacheStore,
} from '../src/index.js';
import { waitFor } from './helpers.js';
import { freePort, type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';
import { startTcpForwarder, type TcpForwarder } from './tcp-forwarder.js';

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const MARKER_KEY = 'rs:token:revocation-markers';
const SIGNING_SECRET = 'a-signing-secret-of-at-least-32-bytes!';

let redis: RedisProcess;
let tokenKey: TestSigningKey;
const fixture = new StoreFixture(() => redis);
const lists: RevocationList[] = [];
const forwarders: TcpForwarder[] = [];
const ownStores: RedisTokenCacheStore[] = [];

beforeAll(async () => {
  [redis, tokenKey] = await Promise.all([startRedis(), generateSigningKey('ES256')]);
});
afterEach(async () => {
  for (const list of lists.splice(0)) list.close();
  await Promise.all(ownStores.splice(0).map((store) => store.close()));
  await fixture.closeAll();
  await Promise.all(forwarders.splice(0).map((forwarder) => forwarder.close()));
  const raw = await fixture.raw();
  await raw.flushDb();
  await fixture.closeAll();
});
afterAll(() => stopAllRedis());

/** One instance of the API: a JWT resource server whose revocation list is shared through `store`. */
function apiInstance(store: RedisTokenCacheStore, markerTtl = 3_600_000) {
  const revocations = revocationList({ share: store, markerTtl });
  lists.push(revocations);
  const resolver = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(tokenKey)),
    verifiedTokenCache: {},
    revocations,
  });
  return { store, revocations, rs: createResourceServer({ resolver }) };
}

/** Waits until the store says it is ready: connected, and holding the revocations published before. */
async function ready(store: RedisTokenCacheStore): Promise<void> {
  await waitFor('the store to be ready', () => store.health?.().ready === true);
}

function request(token: string) {
  return {
    method: 'GET',
    url: 'https://api.example.com/orders',
    headers: { authorization: `Bearer ${token}` },
  };
}

function token(sub: string): Promise<string> {
  const now = Math.floor(Date.now() / 1000) - 5;
  return mintToken(tokenKey, { issuer: ISSUER, audience: AUDIENCE, now }, { sub });
}

async function rejectionOf(instance: ReturnType<typeof apiInstance>, sent: string) {
  const result = await instance.rs.authenticate(request(sent));
  return result.ok ? 'accepted' : result.rejection.code;
}

/** A store reaching the test Redis through a forwarder this test can cut and restore. */
async function storeBehindForwarder(options: Omit<RedisTokenCacheStoreOptions, 'url' | 'client'> = {}) {
  const port = await freePort();
  let forwarder = await startTcpForwarder(port, redis.port);
  forwarders.push(forwarder);
  const store = redisTokenCacheStore({
    url: `redis://127.0.0.1:${port}`,
    reconnectMaxDelay: 200,
    ...options,
  });
  ownStores.push(store);
  await waitFor(
    'the store to connect and subscribe',
    () => store.stats().connected && store.stats().subscribed,
  );
  return {
    store,
    async cut() {
      await forwarder.close();
      forwarders.splice(forwarders.indexOf(forwarder), 1);
      await waitFor('the store to notice', () => !store.stats().subscribed);
    },
    async restore() {
      forwarder = await startTcpForwarder(port, redis.port);
      forwarders.push(forwarder);
    },
  };
}

describe('revocations published while an instance was not subscribed', () => {
  it('an instance started after a revocation refuses the tokens it names', async () => {
    const a = apiInstance(await fixture.store());
    const alice = await token('alice');
    const bob = await token('bob');
    await a.revocations.revoke({ by: 'sub', value: 'alice' });

    // B starts (a rolling deploy, a scale-out) once the revocation has been published.
    const b = apiInstance(await fixture.store());
    await ready(b.store);

    expect(await rejectionOf(b, alice)).toBe('token_revoked');
    expect(await rejectionOf(b, bob)).toBe('accepted');
    expect(b.revocations.stats()).toMatchObject({ markers: 1, received: 0 });
    expect(b.store.stats().markersRead).toBe(1);
  });

  it('an instance whose connection to Redis dropped refuses what was revoked meanwhile', async () => {
    const a = apiInstance(await fixture.store());
    const behind = await storeBehindForwarder();
    const b = apiInstance(behind.store);
    await ready(b.store);
    const alice = await token('alice');
    expect(await rejectionOf(b, alice)).toBe('accepted');

    await behind.cut();
    await a.revocations.revoke({ by: 'sub', value: 'alice' });
    expect(b.store.health?.().ready).toBe(false);
    await behind.restore();
    await waitFor('B to subscribe again', () => b.store.stats().subscribed);
    await ready(b.store);

    expect(b.revocations.stats().received).toBe(0);
    expect(await rejectionOf(b, alice)).toBe('token_revoked');
  });

  it('keeps each marker no longer than markerTtl after its revocation, and no more than maxMarkers', async () => {
    const markerTtl = 120_000;
    const store = await fixture.store();
    const list = revocationList({ share: store, markerTtl, maxMarkers: 3 });
    lists.push(list);
    for (const sub of ['u1', 'u2', 'u3', 'u4', 'u5']) await list.revoke({ by: 'sub', value: sub });
    const raw = await fixture.raw();

    expect(await raw.zCard(MARKER_KEY)).toBe(3);
    const lifetime = await raw.pTTL(MARKER_KEY);
    expect(lifetime).toBeGreaterThan(0);
    expect(lifetime).toBeLessThanOrEqual(markerTtl);
    // The latest ones are kept, scored by their expiry.
    const kept = await raw.zRangeWithScores(MARKER_KEY, 0, -1);
    expect(kept.map(({ value }) => JSON.parse(value).revocation.value)).toEqual(['u3', 'u4', 'u5']);
    for (const { value, score } of kept)
      expect(score).toBe(JSON.parse(value).revocation.revokedAt + markerTtl);
    // An eviction refuses nothing: no marker.
    await list.evict({ by: 'sub', value: 'u6' });
    expect(await raw.zCard(MARKER_KEY)).toBe(3);
    // Clearing the cache's answers revokes nothing back.
    await store.clear();
    expect(await raw.zCard(MARKER_KEY)).toBe(3);
  });

  it('ignores, and reports, markers in Redis that this store did not write; loads the others', async () => {
    const a = apiInstance(await fixture.store({ signingSecret: SIGNING_SECRET }));
    await a.revocations.revoke({ by: 'sub', value: 'alice' });
    const raw = await fixture.raw();
    const later = String(Date.now() + 600_000);
    const unsigned = JSON.stringify({
      v: 1,
      key: MARKER_KEY,
      revocation: { by: 'sub', value: 'bob', revokedAt: Date.now() },
    });
    for (const poison of [unsigned, 'not json', '{"v":1}', 'x'.repeat(20_000)])
      await raw.zAdd(MARKER_KEY, { score: Number(later), value: poison });

    const errors: RedisStoreError[] = [];
    const b = apiInstance(
      await fixture.store({ signingSecret: SIGNING_SECRET, onError: (error) => errors.push(error) }),
    );
    await ready(b.store);

    expect(await rejectionOf(b, await token('alice'))).toBe('token_revoked');
    expect(await rejectionOf(b, await token('bob'))).toBe('accepted');
    expect(b.store.stats()).toMatchObject({ markersRead: 1, invalidValues: 4 });
    expect(errors.map((error) => error.operation)).toEqual(Array(4).fill('invalid_value'));
    for (const error of errors) expect(error.message).not.toContain('bob');
  });

  it('ignores a marker of another key, or dated further ahead than any revocation', async () => {
    const raw = await fixture.raw();
    const far = Date.now() + 3_600_000;
    const marker = (key: string, revokedAt: number) =>
      JSON.stringify({ v: 1, key, revocation: { by: 'sub', value: 'alice', revokedAt } });
    await raw.zAdd(MARKER_KEY, { score: far, value: marker('rs:other:revocation-markers', Date.now()) });
    await raw.zAdd(MARKER_KEY, { score: far + 3_600_000, value: marker(MARKER_KEY, far) });

    const b = apiInstance(await fixture.store());
    await ready(b.store);

    expect(await rejectionOf(b, await token('alice'))).toBe('accepted');
    expect(b.store.stats()).toMatchObject({ markersRead: 0, invalidValues: 2 });
  });

  it('revokes locally and reports when Redis is unreachable at revocation time', async () => {
    const behind = await storeBehindForwarder();
    const errors: unknown[] = [];
    const revocations = revocationList({ share: behind.store, onError: (error) => errors.push(error) });
    lists.push(revocations);
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(tokenKey)),
      revocations,
    });
    const rs = createResourceServer({ resolver });
    await behind.cut();
    await waitFor('the store to see Redis gone', () => !behind.store.stats().connected);

    await revocations.revoke({ by: 'sub', value: 'alice' });

    const result = await rs.authenticate(request(await token('alice')));
    expect(!result.ok && result.rejection.code).toBe('token_revoked');
    expect(revocations.stats().shareErrors).toBe(1);
    expect(errors).toHaveLength(1);
  });

  it('shares a revocation made while Redis was unreachable once Redis is back', async () => {
    const behind = await storeBehindForwarder();
    const a = apiInstance(behind.store);
    const b = apiInstance(await fixture.store());
    await ready(a.store);
    await behind.cut();
    await waitFor('A to see Redis gone', () => !a.store.stats().connected);

    await a.revocations.revoke({ by: 'sub', value: 'alice' });
    expect(a.revocations.stats().shareErrors).toBe(1);
    await behind.restore();

    await waitFor('B to hear the revocation', () => b.revocations.stats().received === 1);
    expect(await rejectionOf(b, await token('alice'))).toBe('token_revoked');
    expect(a.store.stats().revocationsSharedLate).toBe(1);
    // Kept too, for the instances that start later.
    const c = apiInstance(await fixture.store());
    await ready(c.store);
    expect(await rejectionOf(c, await token('alice'))).toBe('token_revoked');
  });
});
