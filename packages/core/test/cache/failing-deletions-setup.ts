import { type MemoryTokenCacheStore, memoryTokenCacheStore, type TokenCacheStore } from '../../src/index.js';
import { NOW_MS } from '../helpers.js';

// Shared by the tests of answers a revocation names in a store whose deletions fail.

/** When the revocations of these tests are made. */
export const REVOKED_AT = NOW_MS + 1_000;
/**
 * Past the few seconds by which instances' clocks may differ: an answer stored then is stored after the
 * revocation on any clock.
 */
export const LATER = REVOKED_AT + 6_000;

/** A store that fails every deletion while `failing` is set, as a shared store does in an outage. */
export function storeWithFailingDeletions(): TokenCacheStore & {
  failing: boolean;
  inner: MemoryTokenCacheStore;
} {
  const inner = memoryTokenCacheStore(100);
  const failIfDown = (): void => {
    if (wrapper.failing) throw new Error('store unreachable');
  };
  const wrapper = {
    failing: false,
    inner,
    get: (key: string) => inner.get(key),
    set: (...args: Parameters<MemoryTokenCacheStore['set']>) => inner.set(...args),
    delete: (key: string) => {
      failIfDown();
      inner.delete(key);
    },
    clear: () => {
      failIfDown();
      inner.clear();
    },
    deleteLabelled: (label: string) => {
      failIfDown();
      return inner.deleteLabelled(label);
    },
  };
  return wrapper;
}
