import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { revocationLogSize } from '../../src/cache/token-cache.js';
import {
  type AccessTokenResolver,
  type CachedAnswer,
  jwtResolver,
  memoryTokenCacheStore,
  staticJwks,
  type TokenCache,
  type TokenCacheStore,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, expectSuccess, ISSUER, mint, NOW_MS, resolveAt } from '../helpers.js';

// A shared store answers asynchronously: a request may be reading an answer when evict(), revoke() or
// clear() completes, and get back what the store held before. Once a revocation has completed, no request
// gets an answer it names.

/** A store whose reads wait, while `holding`, until the test lets them answer (as a slow Redis would). */
function storeWithHeldReads() {
  const inner = memoryTokenCacheStore(100);
  const held: (() => void)[] = [];
  const store = {
    holding: false,
    release: () => {
      for (const answer of held.splice(0)) answer();
    },
    heldReads: () => held.length,
    get: (key: string): Promise<CachedAnswer | undefined> => {
      const answer = inner.get(key);
      if (!store.holding) return Promise.resolve(answer);
      return new Promise((resolve) => held.push(() => resolve(answer)));
    },
    set: (...args: Parameters<TokenCacheStore['set']>) => inner.set(...args),
    delete: (key: string) => inner.delete(key),
    clear: () => inner.clear(),
    deleteLabelled: (label: string) => inner.deleteLabelled(label),
  };
  return store;
}

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

describe('tokenCache: a revocation completed while the store was answering a read', () => {
  let key: TestSigningKey;
  let jwt: AccessTokenResolver;
  beforeAll(async () => {
    key = await generateSigningKey('ES256', 'k1');
    jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  });

  it.each([
    ['evict(token)', (cache: TokenCache, token: string) => cache.evict(token)],
    ['revoke by token', (cache: TokenCache, token: string) => cache.revoke({ by: 'token', value: token })],
    ['revoke by subject', (cache: TokenCache) => cache.revoke({ by: 'sub', value: 'alice' })],
    ['revoke by jti', (cache: TokenCache) => cache.revoke({ by: 'jti', value: 'token-1' })],
    ['clear()', (cache: TokenCache) => cache.clear()],
  ] as const)(
    '%s: the answer read before it is not served, the resolver is asked again',
    async (_, revoke) => {
      const store = storeWithHeldReads();
      let asked = 0;
      const cache = tokenCache(
        {
          ...jwt,
          resolve: (token, context) => {
            asked++;
            return jwt.resolve(token, context);
          },
        },
        { store },
      );
      const token = await mint(key, { sub: 'alice', jti: 'token-1' });
      expectSuccess(await resolveAt(cache, token, NOW_MS));
      store.holding = true;
      const reading = resolveAt(cache, token, NOW_MS + 1);
      await until(() => store.heldReads() === 1);
      await revoke(cache, token);
      store.holding = false;
      store.release();
      expectSuccess(await reading);
      expect(asked).toBe(2);
      expect(revocationLogSize(cache)).toBe(0);
    },
  );

  it('still serves an answer that a revocation made during the read does not name', async () => {
    const store = storeWithHeldReads();
    let asked = 0;
    const cache = tokenCache(
      {
        ...jwt,
        resolve: (token, context) => {
          asked++;
          return jwt.resolve(token, context);
        },
      },
      { store },
    );
    const token = await mint(key, { sub: 'alice', jti: 'token-1' });
    expectSuccess(await resolveAt(cache, token, NOW_MS));
    store.holding = true;
    const reading = resolveAt(cache, token, NOW_MS + 1);
    await until(() => store.heldReads() === 1);
    await cache.revoke({ by: 'sub', value: 'bob' });
    await cache.evict(await mint(key, { sub: 'bob' }));
    store.holding = false;
    store.release();
    expectSuccess(await reading);
    expect(asked).toBe(1);
    expect(cache.stats().hits).toBe(1);
  });
});
