import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenResolver,
  type CachedAnswer,
  memoryTokenCacheStore,
  type TokenCache,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { expectFailure, expectSuccess, NOW_MS, NOW_S, resolveAt } from '../helpers.js';

// The in-process store frees room by dropping expired answers before evicting live ones, and refusals
// (which anyone can have, by making tokens up) never push out an accepted answer.

afterEach(() => {
  vi.useRealTimers();
});

/**
 * Stands in for the authorization server: tokens starting with `legit` are active, all others are not.
 * Counts the calls reaching it.
 */
function authorizationServerStandIn(): AccessTokenResolver & { calls: number } {
  const resolver = {
    cacheNamespace: 'stand-in',
    calls: 0,
    async resolve(token: string) {
      resolver.calls++;
      return token.startsWith('legit')
        ? {
            ok: true as const,
            value: tokenInfoFromClaims(
              { active: true, sub: token, scope: 'read', exp: NOW_S + 3_600 },
              'introspection',
            ),
          }
        : { ok: false as const, failure: { code: 'token_inactive' as const, description: 'inactive' } };
    },
  };
  return resolver;
}

async function resolveAll(cache: TokenCache, prefix: string, count: number, now: number): Promise<void> {
  for (let i = 0; i < count; i++) await resolveAt(cache, `${prefix}-${i}`, now);
}

describe('memoryTokenCacheStore: room', () => {
  it('drops expired refusals, not live accepted answers, to make room', async () => {
    // The store's own expiry runs on Date.now(); the cache judges answers on the request's clock.
    vi.useFakeTimers({ now: NOW_MS, toFake: ['Date'] });
    const inner = authorizationServerStandIn();
    const cache = tokenCache(inner, { maxEntries: 200, ttl: 60_000, negativeTtl: 5_000 });
    await resolveAll(cache, 'legit', 100, NOW_MS);
    await resolveAll(cache, 'junk-a', 100, NOW_MS);
    // The refusals' five seconds pass; the accepted answers have 55 more.
    vi.setSystemTime(NOW_MS + 5_500);
    await resolveAll(cache, 'junk-b', 100, NOW_MS + 5_500);
    const calls = inner.calls;

    for (let i = 0; i < 100; i++) expectSuccess(await resolveAt(cache, `legit-${i}`, NOW_MS + 5_500));
    expect(inner.calls).toBe(calls);
    // Refusals only, among themselves: 80 of each burst (20 of them are held), none of the 20 expired.
    expect(cache.stats().evictions).toBe(160);
  });

  it('keeps every accepted answer through a burst of made-up tokens, refusals holding a tenth', async () => {
    const store = memoryTokenCacheStore(1_000);
    const inner = authorizationServerStandIn();
    const cache = tokenCache(inner, { store: store, ttl: 60_000, negativeTtl: 5_000 });
    await resolveAll(cache, 'legit', 500, NOW_MS);
    await resolveAll(cache, 'junk', 5_000, NOW_MS);
    expect(store.size()).toEqual({ accepted: 500, refusals: 100 });

    const calls = inner.calls;
    for (let i = 0; i < 500; i++) expectSuccess(await resolveAt(cache, `legit-${i}`, NOW_MS));
    expect(inner.calls).toBe(calls);
    // The latest refusals are still kept: a token retried at once is not asked about again.
    expectFailure(await resolveAt(cache, 'junk-4999', NOW_MS), 'token_inactive');
    expect(inner.calls).toBe(calls);
  });

  it('lets accepted answers fill the whole store, and then keeps no refusal in their place', async () => {
    const store = memoryTokenCacheStore(10);
    const inner = authorizationServerStandIn();
    const cache = tokenCache(inner, { store: store, ttl: 60_000 });
    await resolveAll(cache, 'legit', 10, NOW_MS);
    await resolveAll(cache, 'junk', 5, NOW_MS);
    expect(store.size()).toEqual({ accepted: 10, refusals: 0 });
    expect(store.evictions()).toBe(0);
    // An accepted answer still makes room for itself.
    await resolveAt(cache, 'legit-new', NOW_MS);
    expect(store.size()).toEqual({ accepted: 10, refusals: 0 });
    expect(store.evictions()).toBe(1);
  });

  it('with maxEntries 1, holds one answer of either kind', () => {
    const store = memoryTokenCacheStore(1);
    store.set('accepted', acceptedAnswer(), 60_000);
    store.set('refused', refusedAnswer(), 5_000);
    expect(store.get('accepted')).toBeDefined();
    expect(store.get('refused')).toBeUndefined();
    store.delete('accepted');
    store.set('refused', refusedAnswer(), 5_000);
    store.set('accepted', acceptedAnswer(), 60_000);
    expect(store.size()).toEqual({ accepted: 1, refusals: 0 });
  });

  it('moves a token from one kind to the other without holding it twice', () => {
    const store = memoryTokenCacheStore(10);
    store.set('token', refusedAnswer(), 5_000);
    store.set('token', acceptedAnswer('alice'), 60_000);
    expect(store.size()).toEqual({ accepted: 1, refusals: 0 });
    expect(store.deleteLabelled('sub:alice')).toBe(1);
    store.set('token', acceptedAnswer('alice'), 60_000);
    store.set('token', refusedAnswer(), 5_000);
    expect(store.size()).toEqual({ accepted: 0, refusals: 1 });
    expect(store.indexSize()).toEqual({ keys: 0, labels: 0 });
    expect(store.get('token')?.failure?.code).toBe('token_inactive');
  });

  it('never holds more than maxEntries, nor refusals beyond their share, nor lets a refusal evict an accepted answer', () => {
    vi.useFakeTimers({ now: NOW_MS, toFake: ['Date'] });
    const step = fc.oneof(
      fc.record({
        op: fc.constantFrom('accept' as const, 'refuse' as const),
        key: fc.integer({ min: 0, max: 60 }),
        ttl: fc.integer({ min: 1, max: 100 }),
      }),
      fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 60 }) }),
      fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 60 }) }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(step, { maxLength: 300 }),
        (maxEntries, steps) => {
          const store = memoryTokenCacheStore(maxEntries);
          const maxRefusals = Math.max(1, Math.floor(maxEntries / 10));
          for (const s of steps) {
            const key = 'key' in s ? `k${s.key}` : '';
            if (s.op === 'tick') vi.advanceTimersByTime(s.ms);
            else if (s.op === 'delete') store.delete(key);
            else if (s.op === 'accept') store.set(key, acceptedAnswer(`user-${s.key}`), s.ttl);
            else {
              const ownAccepted = store.get(key)?.info !== undefined ? 1 : 0;
              const before = store.size().accepted;
              const evictions = store.evictions();
              store.set(key, refusedAnswer(), s.ttl);
              // A refusal that evicts evicts a refusal: only this token's own accepted answer goes.
              if (store.evictions() > evictions) expect(store.size().accepted).toBe(before - ownAccepted);
            }
            const { accepted, refusals } = store.size();
            expect(accepted + refusals).toBeLessThanOrEqual(maxEntries);
            expect(refusals).toBeLessThanOrEqual(maxRefusals);
            expect(store.indexSize().keys).toBeLessThanOrEqual(accepted);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});

function acceptedAnswer(sub = 'someone'): CachedAnswer {
  const now = Date.now();
  return {
    info: tokenInfoFromClaims({ active: true, sub, exp: NOW_S + 3_600 }, 'introspection'),
    usableUntil: now + 60_000,
    storedAt: now,
  };
}

function refusedAnswer(): CachedAnswer {
  const now = Date.now();
  return {
    failure: { code: 'token_inactive', description: 'inactive' },
    usableUntil: now + 5_000,
    storedAt: now,
  };
}
