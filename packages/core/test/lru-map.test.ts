import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LruMap } from '../src/lru-map.js';

/**
 * The reference: an array in order of use, least recently used first, each entry with its expiry and
 * the order it was set in. Slow and obviously right; the map must answer and report exactly as it does.
 */
class ReferenceLru {
  entries: { key: string; value: number; expiresAt: number; setAt: number }[] = [];
  readonly events: string[] = [];
  #sets = 0;
  constructor(private readonly max: number) {}
  get(key: string, now: number): number | undefined {
    const at = this.entries.findIndex((entry) => entry.key === key);
    if (at === -1) return undefined;
    const [entry] = this.entries.splice(at, 1);
    if (now > entry!.expiresAt) {
      this.events.push(`remove ${key}=${entry!.value}`);
      return undefined;
    }
    this.entries.push(entry!);
    return entry!.value;
  }
  /** Drops up to `limit` expired entries, the first to expire first (the first set among equals). */
  dropExpired(limit: number, now: number): number {
    let dropped = 0;
    for (; dropped < limit; dropped++) {
      const expired = this.entries.filter((entry) => now > entry.expiresAt);
      if (expired.length === 0) break;
      const first = expired.reduce((a, b) =>
        b.expiresAt < a.expiresAt || (b.expiresAt === a.expiresAt && b.setAt < a.setAt) ? b : a,
      );
      this.entries.splice(this.entries.indexOf(first), 1);
      this.events.push(`remove ${first.key}=${first.value}`);
    }
    return dropped;
  }
  evictOldest(): boolean {
    const oldest = this.entries.shift();
    if (oldest === undefined) return false;
    this.events.push(`evict ${oldest.key}=${oldest.value}`, `remove ${oldest.key}=${oldest.value}`);
    return true;
  }
  set(key: string, value: number, expiresAt: number, now: number): void {
    this.dropExpired(2, now);
    const at = this.entries.findIndex((entry) => entry.key === key);
    if (at !== -1) {
      const [replaced] = this.entries.splice(at, 1);
      if (replaced!.value !== value) this.events.push(`remove ${key}=${replaced!.value}`);
    }
    this.entries.push({ key, value, expiresAt, setAt: this.#sets++ });
    if (this.entries.length > this.max) {
      const oldest = this.entries.shift()!;
      this.events.push(`evict ${oldest.key}=${oldest.value}`, `remove ${oldest.key}=${oldest.value}`);
    }
  }
  delete(key: string): void {
    const at = this.entries.findIndex((entry) => entry.key === key);
    if (at === -1) return;
    const [entry] = this.entries.splice(at, 1);
    this.events.push(`remove ${key}=${entry!.value}`);
  }
  clear(): void {
    for (const entry of this.entries) this.events.push(`remove ${entry.key}=${entry.value}`);
    this.entries = [];
  }
}

const operation = fc.oneof(
  fc.record({ op: fc.constant('get' as const), key: fc.integer({ min: 0, max: 40 }) }),
  fc.record({
    op: fc.constant('set' as const),
    key: fc.integer({ min: 0, max: 40 }),
    value: fc.integer({ min: 0, max: 3 }),
    ttl: fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
  }),
  fc.record({ op: fc.constant('delete' as const), key: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 30 }) }),
  fc.record({ op: fc.constant('drop' as const), limit: fc.integer({ min: 0, max: 3 }) }),
  fc.record({ op: fc.constant('evictOldest' as const) }),
  fc.record({ op: fc.constant('has' as const), key: fc.integer({ min: 0, max: 40 }) }),
  fc.record({ op: fc.constant('clear' as const) }),
);

describe('LruMap', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('evicts the least recently used entry, counting a read as a use, and reports only evictions', () => {
    const evicted: string[] = [];
    const map = new LruMap<string, number>({ max: 2, onEvict: (_value, key) => evicted.push(key) });
    map.set('a', 1);
    map.set('b', 2);
    expect(map.get('a')).toBe(1); // now b is the least recently used
    map.set('c', 3);
    expect(map.get('b')).toBeUndefined();
    expect(map.get('a')).toBe(1);
    expect(map.get('c')).toBe(3);
    map.set('c', 30); // a replacement is no eviction
    map.delete('a');
    expect(evicted).toEqual(['b']);
    expect(map.size).toBe(1);
    map.clear();
    expect(map.size).toBe(0);
  });

  it('forgets an entry once its TTL has passed, and keeps one without a TTL', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const map = new LruMap<string, string>({ max: 10 });
    map.set('short', 'x', 1_000);
    map.set('forever', 'y');
    vi.advanceTimersByTime(1_000);
    expect(map.get('short')).toBe('x');
    vi.advanceTimersByTime(1);
    expect(map.get('short')).toBeUndefined();
    expect(map.size).toBe(1);
    vi.advanceTimersByTime(365 * 24 * 3600 * 1000);
    expect(map.get('forever')).toBe('y');
  });

  it('answers, evicts, expires and reports exactly as a reference LRU, whatever the operations', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.array(fc.oneof({ weight: 12, arbitrary: operation.filter((o) => o.op !== 'clear') }, operation), {
          minLength: 20,
          maxLength: 400,
        }),
        (max, operations) => {
          const events: string[] = [];
          const map = new LruMap<string, number>({
            max,
            onEvict: (value, key) => events.push(`evict ${key}=${value}`),
            onRemove: (value, key) => events.push(`remove ${key}=${value}`),
          });
          const reference = new ReferenceLru(max);
          for (const step of operations) {
            const now = Date.now();
            if (step.op === 'get') expect(map.get(`k${step.key}`)).toBe(reference.get(`k${step.key}`, now));
            else if (step.op === 'set') {
              map.set(`k${step.key}`, step.value, step.ttl);
              reference.set(
                `k${step.key}`,
                step.value,
                step.ttl === undefined ? Infinity : now + step.ttl,
                now,
              );
            } else if (step.op === 'delete') {
              map.delete(`k${step.key}`);
              reference.delete(`k${step.key}`);
            } else if (step.op === 'drop') {
              expect(map.dropExpired(step.limit)).toBe(reference.dropExpired(step.limit, now));
            } else if (step.op === 'evictOldest') {
              expect(map.evictOldest()).toBe(reference.evictOldest());
            } else if (step.op === 'has') {
              expect(map.has(`k${step.key}`)).toBe(
                reference.entries.some((entry) => entry.key === `k${step.key}`),
              );
            } else if (step.op === 'clear') {
              map.clear();
              reference.clear();
            } else vi.advanceTimersByTime(step.ms);
            expect(map.size).toBe(reference.entries.length);
            expect(events).toEqual(reference.events);
          }
          // The order of use, read back through eviction: fill the map with new keys. Expired entries
          // leave first, then live ones in order of use, least recently used first.
          const now = Date.now();
          const live = reference.entries
            .filter((entry) => !(now > entry.expiresAt))
            .map((entry) => entry.key);
          events.length = 0;
          reference.events.length = 0;
          for (let i = 0; i < max; i++) {
            map.set(`new-${i}`, 0);
            reference.set(`new-${i}`, 0, Infinity, now);
          }
          expect(events).toEqual(reference.events);
          const evicted = events.filter((event) => event.startsWith('evict')).map((e) => e.split(/[ =]/)[1]);
          expect(evicted).toEqual(live);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('drops expired entries before evicting a live one, even one less recently used', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const evicted: string[] = [];
    const removed: string[] = [];
    const map = new LruMap<string, number>({
      max: 200,
      onEvict: (_value, key) => evicted.push(key),
      onRemove: (_value, key) => removed.push(key),
    });
    // 100 entries kept a minute, then 100 kept five seconds: the long-lived ones are the least recently used.
    for (let i = 0; i < 100; i++) map.set(`long-${i}`, i, 60_000);
    for (let i = 0; i < 100; i++) map.set(`short-${i}`, i, 5_000);
    vi.advanceTimersByTime(5_500);
    for (let i = 0; i < 100; i++) map.set(`next-${i}`, i, 5_000);
    expect(evicted).toEqual([]);
    expect(removed).toEqual(Array.from({ length: 100 }, (_, i) => `short-${i}`));
    for (let i = 0; i < 100; i++) expect(map.get(`long-${i}`)).toBe(i);
    expect(map.size).toBe(200);
  });

  it('drains expired entries as new ones are set, even with room to spare', () => {
    vi.useFakeTimers({ now: 1_000_000 });
    const map = new LruMap<string, number>({ max: 1_000 });
    for (let i = 0; i < 100; i++) map.set(`burst-${i}`, i, 5_000);
    vi.advanceTimersByTime(5_001);
    for (let i = 0; i < 50; i++) map.set(`later-${i}`, i, 5_000);
    // Two expired entries dropped by each of the 50 sets: nothing of the burst is held any more.
    expect(map.size).toBe(50);
  });

  it('keeps the order of use through many reads of one entry of a nearly full map', () => {
    const map = new LruMap<string, number>({ max: 1_000 });
    for (let i = 0; i < 1_000; i++) map.set(`k${i}`, i);
    let sum = 0;
    for (let i = 0; i < 20_000; i++) sum += map.get('k0')!;
    expect(sum).toBe(0);
    map.set('one-more', 1);
    // k0 was read last of the old entries: k1 went first.
    expect(map.get('k1')).toBeUndefined();
    expect(map.get('k0')).toBe(0);
    expect(map.size).toBe(1_000);
  });

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new LruMap({ max: 0 })).toThrow(RangeError);
    expect(() => new LruMap({ max: 1.5 })).toThrow(RangeError);
  });
});
