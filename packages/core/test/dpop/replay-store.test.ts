import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { memoryReplayStore } from '../../src/dpop/replay-store.js';
import { expectConfigError } from '../helpers.js';

// A clock reads milliseconds since the epoch (readings before 2000 are refused): times in these tests
// count from this instant.
const EPOCH_MS = Date.UTC(2026, 0, 1);

/**
 * The reference: a `Map` in order of recording (a key recorded again moves to the end), swept from the
 * front, eight live keys a call, purged of every expired key past the bound (at most once per quarter of
 * the bound's recordings), and trimmed from the front past the bound. Obviously right, and slow for large
 * stores; the store must answer and count exactly as it does.
 */
function referenceReplayStore(maxEntries: number, clock: () => number) {
  const entries = new Map<string, number>();
  let evictions = 0;
  const purgeEvery = Math.ceil(maxEntries / 4);
  let recordingsSincePurge = purgeEvery;
  return {
    remember(key: string, ttlMs: number): boolean {
      const now = clock();
      let checked = 0;
      for (const [oldKey, expiresAt] of entries) {
        if (checked++ === 8 || expiresAt > now) break;
        entries.delete(oldKey);
      }
      const expiresAt = entries.get(key);
      if (expiresAt !== undefined && expiresAt > now) return false;
      entries.delete(key);
      entries.set(key, now + ttlMs);
      recordingsSincePurge++;
      if (entries.size > maxEntries && recordingsSincePurge >= purgeEvery) {
        recordingsSincePurge = 0;
        for (const [oldKey, oldExpiresAt] of entries) if (oldExpiresAt <= now) entries.delete(oldKey);
      }
      while (entries.size > maxEntries) {
        entries.delete(entries.keys().next().value!);
        evictions++;
      }
      return true;
    },
    size: () => entries.size,
    evictions: () => evictions,
  };
}

describe('memoryReplayStore', () => {
  it('answers, sweeps and evicts exactly as the reference, whatever the keys, TTLs and times', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 16 }),
        fc.array(
          fc.record({
            // A few keys recorded again and again, among many recorded once or twice.
            key: fc.oneof(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 60 })),
            // Short TTLs behind long ones: expired keys wait behind a live one, stale items pile up.
            ttl: fc.constantFrom(0, 3, 20, 100, 5_000),
            // Mostly none: keys pile up, then expire together at a rare long step.
            advance: fc.oneof(
              { weight: 8, arbitrary: fc.constant(0) },
              { weight: 3, arbitrary: fc.integer({ min: 0, max: 10 }) },
              { weight: 1, arbitrary: fc.integer({ min: 0, max: 300 }) },
            ),
          }),
          { minLength: 50, maxLength: 400 },
        ),
        async (maxEntries, calls) => {
          let now = 1_000;
          const store = memoryReplayStore({ maxEntries, clock: () => EPOCH_MS + now });
          const reference = referenceReplayStore(maxEntries, () => now);
          for (const { key, ttl, advance } of calls) {
            now += advance;
            expect(await store.remember(`k${key}`, ttl)).toBe(reference.remember(`k${key}`, ttl));
            expect(store.size()).toBe(reference.size());
            expect(store.evictions()).toBe(reference.evictions());
          }
        },
      ),
      { numRuns: 500 },
    );
  });

  it('drops expired keys recorded behind a live one before it drops the live one', async () => {
    // A DPoP proof made by a client whose clock is a minute ahead is kept 121 s (iatWindow 60); proofs
    // made a minute ago, about 2 s. Recorded behind the long one, the short ones are not swept from the
    // front: at the bound, they must go first, not the one key still live.
    let now = 0;
    const store = memoryReplayStore({ maxEntries: 100, clock: () => EPOCH_MS + now });
    expect(await store.remember('ahead', 121_000)).toBe(true);
    for (let i = 0; i < 99; i++) expect(await store.remember(`behind-${i}`, 1_001)).toBe(true);
    now += 2_000;
    expect(await store.remember('new', 61_000)).toBe(true);
    expect(store.evictions()).toBe(0);
    expect(store.size()).toBe(2);
    // Still remembered: its replay is refused.
    expect(await store.remember('ahead', 121_000)).toBe(false);
    // The last millisecond of its 121 s.
    now = 120_999;
    expect(await store.remember('ahead', 121_000)).toBe(false);
  });

  it('stays correct through thousands of recordings of the same keys after their expiry', async () => {
    let now = 0;
    const store = memoryReplayStore({ maxEntries: 4, clock: () => EPOCH_MS + now });
    for (let round = 0; round < 5_000; round++) {
      now += 10;
      // Each key expired since its last recording: recorded again, leaving a stale item behind.
      for (const key of ['a', 'b', 'c']) expect(await store.remember(key, 5)).toBe(true);
      for (const key of ['a', 'b', 'c']) expect(await store.remember(key, 5)).toBe(false);
    }
    expect(store.size()).toBe(3);
    expect(store.evictions()).toBe(0);
  });

  it('compacts a queue of stale recordings behind a live key, and still sweeps and evicts after', async () => {
    let now = 0;
    const store = memoryReplayStore({ maxEntries: 2, clock: () => EPOCH_MS + now });
    const reference = referenceReplayStore(2, () => now);
    const both = async (key: string, ttl: number) => {
      const answer = await store.remember(key, ttl);
      expect(answer).toBe(reference.remember(key, ttl));
      expect(store.size()).toBe(reference.size());
      return answer;
    };
    expect(await both('long', 5_000)).toBe(true);
    // Expired as soon as recorded: each recording is a first use, and leaves a stale one behind.
    for (let i = 0; i < 1_000; i++) expect(await both('short', 0)).toBe(true);
    expect(await both('long', 5_000)).toBe(false);
    now += 10_000;
    expect(await both('x', 10)).toBe(true);
    expect(store.size()).toBe(1);
    for (const key of ['y', 'z', 'w']) expect(await both(key, 10_000)).toBe(true);
    expect(store.evictions()).toBe(reference.evictions());
    expect(await both('z', 10_000)).toBe(false);
  });

  it('takes maxEntries up to 10 000 000: a larger bound is no bound', async () => {
    for (const maxEntries of [0, 1.5, 10_000_001, 1e15]) {
      const error = expectConfigError(
        () => memoryReplayStore({ maxEntries }),
        'memoryReplayStore.maxEntries',
      );
      expect(error.problem).toBe('must be a whole number of entries from 1 to 10000000');
    }
    const store = memoryReplayStore({ maxEntries: 10_000_000, clock: () => EPOCH_MS });
    expect(await store.remember('proof', 60_000)).toBe(true);
    expect(await store.remember('proof', 60_000)).toBe(false);
  });
});
