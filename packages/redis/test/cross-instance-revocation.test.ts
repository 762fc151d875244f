import {
  createResourceServer,
  jwtResolver,
  memoryReplayStore,
  pushDeliveryHandler,
  type RevocationList,
  revocationList,
  securityEventReceiver,
  staticJwks,
  tokenCache,
} from '@rs/core';
import {
  ecdsaTwin,
  generateSigningKey,
  jwksOf,
  mintToken,
  signSecurityEvent,
  type TestSigningKey,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { labelHash } from '../src/label-hash.js';
import { CountingAuthorizationServer, requestContext, waitFor } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const TRANSMITTER = 'https://ssf.example.com';
const RECEIVER = 'https://api.example.com/ssf';

let redis: RedisProcess;
let tokenKey: TestSigningKey;
let transmitterKey: TestSigningKey;
const fixture = new StoreFixture(() => redis);
const lists: RevocationList[] = [];

beforeAll(async () => {
  [redis, tokenKey, transmitterKey] = await Promise.all([
    startRedis(),
    generateSigningKey('ES256'),
    generateSigningKey('ES256', 'ssf'),
  ]);
});
afterEach(async () => {
  for (const list of lists.splice(0)) list.close();
  await fixture.closeAll();
});
afterAll(() => stopAllRedis());

/** One instance of the API: its Redis store, its revocation list shared through it, a JWT resource server. */
async function apiInstance() {
  const store = await fixture.store();
  const revocations = revocationList({ share: store });
  lists.push(revocations);
  const resolver = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(tokenKey)),
    verifiedTokenCache: {},
    revocations,
  });
  const rs = createResourceServer({ resolver });
  const receiver = securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER,
    keys: staticJwks(jwksOf(transmitterKey)),
    replayStore: memoryReplayStore(),
    revocations,
  });
  return { store, revocations, rs, push: pushDeliveryHandler(receiver) };
}

function request(token: string) {
  return {
    method: 'GET',
    url: 'https://api.example.com/orders',
    headers: { authorization: `Bearer ${token}` },
  };
}

function token(claims: Record<string, unknown>): Promise<string> {
  const now = Math.floor(Date.now() / 1000) - 5;
  return mintToken(tokenKey, { issuer: ISSUER, audience: AUDIENCE, now }, claims);
}

describe('revocation across instances sharing one Redis', () => {
  it('a SET pushed to one instance makes the other refuse the subject’s token on its next request', async () => {
    const a = await apiInstance();
    const b = await apiInstance();
    const alice = await token({ sub: 'alice' });
    const bob = await token({ sub: 'bob' });
    expect((await b.rs.authenticate(request(alice))).ok).toBe(true);

    const set = await signSecurityEvent(
      transmitterKey,
      { [TOKENS_REVOKED]: {} },
      {
        issuer: TRANSMITTER,
        audience: RECEIVER,
        subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'alice' },
      },
    );
    const pushed = await a.push(
      new Request('https://api-a.example.com/ssf/events', {
        method: 'POST',
        headers: { 'content-type': 'application/secevent+jwt' },
        body: set,
      }),
    );
    expect(pushed.status).toBe(202);
    await waitFor('B to hear the revocation', () => b.revocations.stats().received === 1);

    const refused = await b.rs.authenticate(request(alice));
    expect(refused.ok).toBe(false);
    expect(!refused.ok && refused.rejection.code).toBe('token_revoked');
    expect((await b.rs.authenticate(request(bob))).ok).toBe(true);
    // The revocation travelled as a revocation, not as the SET: B never saw it and cannot replay it.
    expect(a.store.stats().publishedEvictions).toBeGreaterThanOrEqual(1);
  });

  it('a token revoked by itself on one instance is refused by the other, under its other ECDSA signature too', async () => {
    const a = await apiInstance();
    const b = await apiInstance();
    const carol = await token({ sub: 'carol' });
    const twin = ecdsaTwin(carol);
    expect((await b.rs.authenticate(request(twin))).ok).toBe(true);

    await a.revocations.revoke({ by: 'token', value: carol });
    await waitFor('B to hear the revocation', () => b.revocations.stats().received === 1);
    for (const sent of [carol, twin]) {
      const refused = await b.rs.authenticate(request(sent));
      expect(!refused.ok && refused.rejection.code).toBe('token_revoked');
    }
  });

  it('drops a subject’s cached answers from Redis and from every instance’s local tier, and only those', async () => {
    const as = new CountingAuthorizationServer();
    const raw = await fixture.raw();
    await raw.flushDb();
    const storeA = await fixture.store();
    const storeB = await fixture.store();
    const listA = revocationList({ share: storeA });
    const listB = revocationList({ share: storeB });
    lists.push(listA, listB);
    const cacheA = tokenCache(as, { store: storeA, revocations: listA });
    const cacheB = tokenCache(as, { store: storeB, revocations: listB });
    // CountingAuthorizationServer answers `sub: user-of-<token>`.
    for (const name of ['t-1', 't-2']) {
      await cacheA.resolve(name, requestContext());
      await cacheB.resolve(name, requestContext());
    }
    expect(as.calls).toBe(2);
    expect(storeB.stats().localEntries).toBe(2);
    const indexKeys = await raw.keys('rs:token:index:*');
    // Per answer: its subject and the client both share.
    expect(indexKeys).toHaveLength(3);

    const heardFromB = storeA.stats().receivedEvictions;
    await listA.revoke({ by: 'sub', value: 'user-of-t-1' });
    await waitFor('B to drop its local copy', () => storeB.stats().localEntries === 1);
    // B applies the revocation it hears to the shared store too: only once done may it cache t-1 again,
    // or its own late deletion would take the fresh answer with it. A had deleted everything already,
    // so B found nothing and told no one.
    await waitFor('B to finish its deletion', () => storeB.stats().repeatedDeletions === 1);
    expect(storeA.stats().receivedEvictions).toBe(heardFromB);
    expect(storeB.stats().publishedEvictions).toBe(0);
    await cacheB.resolve('t-1', requestContext());
    await cacheB.resolve('t-2', requestContext());
    expect(as.calls).toBe(3);
    expect(storeB.stats()).toMatchObject({ localHits: 1 });

    // By client: both answers go, on both instances.
    await listB.revoke({ by: 'client', value: 'orders-app' });
    await waitFor('A to drop its local copies', () => storeA.stats().localEntries === 0);
    expect(await raw.keys('rs:token:counting-*')).toEqual([]);
    // The index keys remain until they expire, naming entries that are gone: a member leaves the index
    // only by expiring, so that an entry written while a revocation runs is found by the next one.
    const remaining = await raw.keys('rs:token:index:*');
    expect(remaining).toHaveLength(3);
    for (const indexKey of remaining) {
      for (const member of await raw.zRange(indexKey, 0, -1)) expect(await raw.exists(member)).toBe(0);
    }
    await cacheA.resolve('t-2', requestContext());
    expect(as.calls).toBe(4);
  });

  it('sends one announcement per revocation, not one per instance that hears it', async () => {
    const raw = await fixture.raw();
    await raw.flushDb();
    const as = new CountingAuthorizationServer();
    const instances = await Promise.all(
      [1, 2, 3, 4].map(async () => {
        const store = await fixture.store();
        const list = revocationList({ share: store });
        lists.push(list);
        return { store, list, cache: tokenCache(as, { store, revocations: list }) };
      }),
    );
    const [origin, ...others] = instances;
    for (const { cache } of instances) await cache.resolve('t-1', requestContext());
    expect(as.calls).toBe(1);

    await origin!.list.revoke({ by: 'sub', value: 'user-of-t-1' });
    for (const { store } of others) {
      await waitFor(
        'every other instance to repeat the deletion',
        () => store.stats().repeatedDeletions === 1,
      );
    }
    // The origin announced the label and published the revocation; the three that heard it stayed quiet.
    expect(origin!.store.stats().publishedEvictions).toBe(2);
    for (const { store } of others) {
      expect(store.stats()).toMatchObject({ publishedEvictions: 0, receivedEvictions: 2, localEntries: 0 });
    }
    expect(await raw.keys('rs:token:counting-*')).toEqual([]);
    // Revoked everywhere: each instance asks the authorization server again.
    for (const { cache } of instances) await cache.resolve('t-1', requestContext());
    expect(as.calls).toBeGreaterThan(1);
  });

  it('announces a repeated deletion that still finds an answer stored before its instance heard', async () => {
    const raw = await fixture.raw();
    await raw.flushDb();
    const [storeB, storeC] = [await fixture.store(), await fixture.store()];
    const as = new CountingAuthorizationServer();
    const answer = await as.resolve('t-late', requestContext());
    if (!answer.ok) throw new Error('the counting server refused its own token');
    // B stored the answer after the origin's deletion, before hearing of the revocation; C read it.
    await storeB.set('late-entry', { info: answer.value, usableUntil: Date.now() + 60_000 }, 60_000);
    expect(await storeC.get('late-entry')).toBeDefined();
    expect(storeC.stats().localEntries).toBe(1);

    expect(await storeB.deleteLabelled('sub:user-of-t-late', { alreadyAnnounced: true })).toBe(1);
    await waitFor('C to drop its local copy', () => storeC.stats().localEntries === 0);
    expect(storeB.stats()).toMatchObject({ publishedEvictions: 1, repeatedDeletions: 1 });
    expect(await raw.exists('late-entry')).toBe(0);

    // Once nothing is left, a repeat tells no one.
    expect(await storeB.deleteLabelled('sub:user-of-t-late', { alreadyAnnounced: true })).toBe(0);
    expect(storeB.stats()).toMatchObject({ publishedEvictions: 1, repeatedDeletions: 2 });

    // The same for one token's answer.
    await storeB.set('late-token', { info: answer.value, usableUntil: Date.now() + 60_000 }, 60_000);
    expect(await storeC.get('late-token')).toBeDefined();
    await storeB.delete('late-token', { alreadyAnnounced: true });
    await waitFor('C to drop its copy of the token', () => storeC.stats().localEntries === 0);
    expect(storeB.stats()).toMatchObject({ publishedEvictions: 2, repeatedDeletions: 3 });
    await storeB.delete('late-token', { alreadyAnnounced: true });
    expect(storeB.stats()).toMatchObject({ publishedEvictions: 2, repeatedDeletions: 4 });
    // A deletion of this instance's own still announces, found or not.
    await storeB.delete('late-token');
    expect(storeB.stats().publishedEvictions).toBe(3);
  });

  it('deletes every answer of a label, however many: here over a hundred thousand of one client', async () => {
    const raw = await fixture.raw();
    await raw.flushDb();
    const store = await fixture.store({ commandTimeout: 5_000 });
    const indexKey = `rs:token:index:${labelHash('client:popular-app')}`;
    const count = 100_600;
    const expiry = String(Date.now() + 600_000);
    for (let from = 0; from < count; from += 10_000) {
      const batch = raw.multi();
      for (let i = from; i < Math.min(count, from + 10_000); i++) {
        batch.set(`rs:token:bulk-${i}`, 'x', { PX: 600_000 });
        batch.zAdd(indexKey, { score: Number(expiry), value: `rs:token:bulk-${i}` });
      }
      await batch.exec();
    }
    expect(await raw.zCard(indexKey)).toBe(count);

    expect(await store.deleteLabelled('client:popular-app')).toBe(count);
    // Every entry is gone; the index stays until it expires.
    expect(await raw.dbSize()).toBe(1);
    // A repeat finds nothing left to delete.
    expect(await store.deleteLabelled('client:popular-app')).toBe(0);
  }, 60_000);

  it('keeps index keys no longer than the entries they name', async () => {
    const raw = await fixture.raw();
    await raw.flushDb();
    const store = await fixture.store();
    const cache = tokenCache(new CountingAuthorizationServer(), { store, ttl: 300 });
    await cache.resolve('short-lived', requestContext());
    const [indexKey] = await raw.keys('rs:token:index:*');
    const [entryKey] = await raw.keys('rs:token:counting-*');
    expect(await raw.pTTL(indexKey!)).toBeGreaterThan(0);
    expect(await raw.pTTL(indexKey!)).toBeLessThanOrEqual(300);
    expect(await raw.pTTL(indexKey!)).toBeLessThanOrEqual((await raw.pTTL(entryKey!)) + 5);
    await waitFor(
      'the entry and its index to expire',
      async () => (await raw.keys('rs:token:*')).length === 0,
    );
  });
});
