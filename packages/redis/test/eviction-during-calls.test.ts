import {
  type CachedAnswer,
  introspectionResolver,
  type TokenCache,
  tokenCache,
  tokenInfoFromClaims,
} from '@rs/core';
import { type HeldIntrospectionEndpoint, startHeldIntrospectionEndpoint } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labelHash } from '../src/label-hash.js';
import { requestContext, waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// An eviction made on one instance while another is asking the authorization server about the same token:
// the other instance's answer was given before the eviction, so it must be neither kept in its local tier
// nor written to Redis for every instance to serve.

let redis: RedisProcess;
let as: HeldIntrospectionEndpoint;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
  // Decided when the request arrives, sent when released: the answer of a call made before the revocation.
  as = await startHeldIntrospectionEndpoint((token) => ({
    active: true,
    sub: `sub-${token}`,
    client_id: 'client-1',
    scope: 'read',
    exp: Math.floor(Date.now() / 1000) + 600,
  }));
});
afterEach(async () => {
  as.holding = false;
  as.release();
  await fixture.closeAll();
});
afterAll(async () => {
  await as.close();
  await stopAllRedis();
});

/** Two instances sharing one Redis, each with its own introspection resolver, cache and store. */
async function twoInstances() {
  const caches: TokenCache[] = [];
  const stores = [];
  for (let instance = 0; instance < 2; instance++) {
    const store = await fixture.store();
    const resolver = introspectionResolver({
      endpoint: as.endpoint,
      issuer: 'https://as.example.com',
      acceptAnyAudience: true,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 's3cret-s3cret' },
    });
    stores.push(store);
    caches.push(tokenCache(resolver, { store, ttl: 60_000 }));
  }
  const [cacheA, cacheB] = caches as [TokenCache, TokenCache];
  const [storeA, storeB] = stores as [(typeof stores)[0], (typeof stores)[0]];
  return { cacheA, cacheB, storeA, storeB };
}

describe('an eviction by another instance during a call to the authorization server', () => {
  const deletions: [string, (cache: TokenCache, token: string) => Promise<void>][] = [
    ['evict(token)', (cache, token) => cache.evict(token)],
    ['revoke by subject', (cache, token) => cache.revoke({ by: 'sub', value: `sub-${token}` })],
    ['revoke by client', (cache) => cache.revoke({ by: 'client', value: 'client-1' })],
  ];

  it.each(deletions)(
    '%s: keeps the answer of the call made before it neither here nor in Redis',
    async (name, deleteElsewhere) => {
      const { cacheA, cacheB, storeA } = await twoInstances();
      const token = `deleted-during-call-${name.replace(/\W+/g, '-')}-${Math.random()}`;
      as.holding = true;
      const callsBefore = as.calls;

      const pending = cacheA.resolve(token, requestContext());
      await waitFor('A to ask the authorization server', () => as.calls === callsBefore + 1);
      // The token is revoked at the authorization server, and B deletes it: every instance must forget it.
      as.revoked.add(token);
      await deleteElsewhere(cacheB, token);
      await waitFor('A to hear the deletion', () => storeA.stats().receivedEvictions === 1);
      as.holding = false;
      as.release();
      await pending;

      // Neither instance serves the answer given before the deletion: both ask again, and hear "inactive".
      const fromB = await cacheB.resolve(token, requestContext());
      const fromA = await cacheA.resolve(token, requestContext());
      expect(fromB).toMatchObject({ ok: false, failure: { code: 'token_inactive' } });
      expect(fromA).toMatchObject({ ok: false, failure: { code: 'token_inactive' } });
    },
  );

  it('asks again for the requests that waited for that call, as for an eviction made here', async () => {
    const { cacheA, cacheB, storeA } = await twoInstances();
    const token = `evicted-while-waiting-${Math.random()}`;
    as.holding = true;
    const callsBefore = as.calls;

    const waiting = [0, 1, 2].map(() => cacheA.resolve(token, requestContext()));
    await waitFor('A to ask the authorization server', () => as.calls === callsBefore + 1);
    as.revoked.add(token);
    await cacheB.evict(token);
    await waitFor('A to hear the eviction', () => storeA.stats().receivedEvictions === 1);
    as.holding = false;
    as.release();

    for (const answer of await Promise.all(waiting))
      expect(answer).toMatchObject({ ok: false, failure: { code: 'token_inactive' } });
    // One call asked again for all three.
    expect(as.calls).toBe(callsBefore + 2);
  });

  it('keeps no answer asked for before another instance cleared the cache', async () => {
    const { cacheA, cacheB, storeA } = await twoInstances();
    const token = `cleared-during-call-${Math.random()}`;
    as.holding = true;
    const callsBefore = as.calls;

    const pending = cacheA.resolve(token, requestContext());
    await waitFor('A to ask the authorization server', () => as.calls === callsBefore + 1);
    as.revoked.add(token);
    await cacheB.clear();
    await waitFor('A to hear the clear', () => storeA.stats().receivedEvictions === 1);
    as.holding = false;
    as.release();
    await pending;

    expect(await cacheB.resolve(token, requestContext())).toMatchObject({
      ok: false,
      failure: { code: 'token_inactive' },
    });
    expect(await cacheA.resolve(token, requestContext())).toMatchObject({
      ok: false,
      failure: { code: 'token_inactive' },
    });
  });
});

/** An accepted answer for the subject `sub`, good for ten minutes. */
function acceptedAnswer(sub: string): CachedAnswer {
  const now = Date.now();
  const info = tokenInfoFromClaims(
    { active: true, sub, client_id: 'client-1', exp: Math.floor(now / 1000) + 600 },
    'introspection',
  );
  return { info, usableUntil: now + 60_000, storedAt: now };
}

/**
 * Announces a deletion as a third instance would once Redis had answered it. Published by hand, after
 * this instance's write was answered: the order in which Redis ran the two is the one that matters, and
 * with two connections it may be either.
 */
async function announceFromElsewhere(message: Record<string, unknown>): Promise<void> {
  const raw = await fixture.raw();
  await raw.publish('rs:token-cache:evict', JSON.stringify({ ...message, from: 'another-instance' }));
}

describe('a deletion announced by another instance after this instance wrote the answer', () => {
  const deletions: [string, (key: string, sub: string) => Record<string, unknown>][] = [
    ['of the key', (key) => ({ key })],
    ['by label', (_key, sub) => ({ label: labelHash(`sub:${sub}`) })],
    ['of everything', () => ({ clear: true })],
  ];

  for (const [name, message] of deletions) {
    it(`${name}: deletes this instance's write from Redis again, as Redis may have run it after the deletion`, async () => {
      const store = await fixture.store();
      const raw = await fixture.raw();
      const key = `rs:token:ns:written-before-heard-${Math.random()}`;
      const sub = `alice-${Math.random()}`;
      await store.set(key, acceptedAnswer(sub), 60_000);
      expect(await raw.exists(key)).toBe(1);

      await announceFromElsewhere(message(key, sub));
      await waitFor('the store to hear the deletion', () => store.stats().receivedEvictions === 1);

      await waitFor('the answer to leave Redis', async () => (await raw.exists(key)) === 0);
      expect(await store.get(key)).toBeUndefined();
    });
  }

  it('leaves in Redis what this instance only read from it: its writer deletes that itself', async () => {
    const reader = await fixture.store();
    const raw = await fixture.raw();
    const key = `rs:token:ns:read-not-written-${Math.random()}`;
    // Written by an instance that is gone (it hears nothing), then read here into the local tier.
    const writer = await fixture.store();
    await writer.set(key, acceptedAnswer('bob'), 60_000);
    await writer.close();
    expect(await reader.get(key)).toBeDefined();
    expect(reader.stats().localEntries).toBe(1);

    await announceFromElsewhere({ key });
    await waitFor('the reader to hear the deletion', () => reader.stats().receivedEvictions === 1);
    // A round trip on the reader's own connection: whatever it sent on hearing the deletion ran before.
    expect(await reader.get(`${key}-other`)).toBeUndefined();

    expect(reader.stats().localEntries).toBe(0);
    expect(await raw.exists(key)).toBe(1);
  });
});
