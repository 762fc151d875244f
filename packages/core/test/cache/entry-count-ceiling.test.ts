import { describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  memoryTokenCacheStore,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { expectConfigError, expectSuccess, NOW_S, resolveAt } from '../helpers.js';

// The in-process store never evicts before it holds maxEntries answers: a count no process can hold
// (a slip such as 1e15, or a byte count) is a store that grows until the process runs out of memory.
// Ten million answers is already gigabytes: a larger count is refused at start-up.

const CEILING = 10_000_000;

const resolver: AccessTokenResolver = {
  cacheNamespace: 'stand-in',
  resolve: async (token) => ({
    ok: true,
    value: tokenInfoFromClaims({ active: true, sub: token, exp: NOW_S + 3_600 }, 'introspection'),
  }),
};

describe('in-process token-cache store: a ceiling on its size', () => {
  it.each([CEILING + 1, 1e15, Number.MAX_SAFE_INTEGER])('refuses memoryTokenCacheStore(%d)', (count) => {
    const error = expectConfigError(() => memoryTokenCacheStore(count), 'memoryTokenCacheStore.maxEntries');
    expect(error.problem).toContain(String(CEILING));
  });

  it('says why a count above the ceiling is refused', () => {
    const error = expectConfigError(
      () => memoryTokenCacheStore(CEILING + 1),
      'memoryTokenCacheStore.maxEntries',
    );
    expect(error.problem).toContain(`from 1 to ${CEILING}`);
    expect(error.problem).toContain('more answers than one process sensibly holds');
  });

  // A message written for a count too large would call 0 "far more answers than one process holds".
  it.each<[string, unknown]>([
    ['0', 0],
    ['-1', -1],
    ['1.5', 1.5],
    ['NaN', Number.NaN],
    ["the string '100'", '100'],
  ])('refuses memoryTokenCacheStore(%s), saying the range only', (_case, count) => {
    const error = expectConfigError(
      () => memoryTokenCacheStore(count as number),
      'memoryTokenCacheStore.maxEntries',
    );
    expect(error.problem).toContain(`from 1 to ${CEILING}`);
    expect(error.problem).not.toMatch(/more answers|sensibly|far more/);
  });

  it.each([CEILING + 1, 1e15])('refuses tokenCache({ maxEntries: %d })', (maxEntries) => {
    const error = expectConfigError(() => tokenCache(resolver, { maxEntries }), 'tokenCache.maxEntries');
    expect(error.problem).toContain(String(CEILING));
  });

  it('takes the ceiling itself, without reserving memory for it up front', async () => {
    const before = process.memoryUsage().heapUsed;
    const store = memoryTokenCacheStore(CEILING);
    const cache = tokenCache(resolver, { maxEntries: CEILING });
    expectSuccess(await resolveAt(cache, 'token-1'));
    store.set(
      'key',
      { info: tokenInfoFromClaims({ sub: 'a' }, 'jwt'), usableUntil: Date.now() + 1_000 },
      1_000,
    );
    expect(store.size()).toEqual({ accepted: 1, refusals: 0 });
    // Its arrays grow with what it holds: ten million places reserved would be hundreds of megabytes.
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
  });
});
