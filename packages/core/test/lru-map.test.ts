import { afterEach, describe, expect, it, vi } from 'vitest';
import { LruMap } from '../src/lru-map.js';

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

  it('refuses a bound that is not a positive integer', () => {
    expect(() => new LruMap({ max: 0 })).toThrow(RangeError);
    expect(() => new LruMap({ max: 1.5 })).toThrow(RangeError);
  });
});
