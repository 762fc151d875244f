import { configRefusal } from '@rs/testkit';
import { createClient } from 'redis';
import { describe, expect, it } from 'vitest';
import { reconnectBackoff, redisReplayStore, redisTokenCacheStore } from '../src/index.js';

// Refused before any connection is made: no Redis is needed, and none is contacted.
const URL = 'redis://127.0.0.1:1';

describe('misspelled and mistyped options are refused at start-up', () => {
  it.each<[string, () => unknown, string, string]>([
    [
      'keyPrefixes',
      () => redisTokenCacheStore({ url: URL, keyPrefixes: 'api-a:' } as never),
      'redisTokenCacheStore.keyPrefixes',
      'keyPrefix',
    ],
    [
      'commandTimeOut',
      () => redisTokenCacheStore({ url: URL, commandTimeOut: 500 } as never),
      'redisTokenCacheStore.commandTimeOut',
      'commandTimeout',
    ],
    ['uri', () => redisReplayStore({ uri: URL } as never), 'redisReplayStore.uri', 'url'],
    [
      'onErrors',
      () => redisReplayStore({ url: URL, onErrors: () => {} } as never),
      'redisReplayStore.onErrors',
      'onError',
    ],
  ])('%s', (_name, build, option, nearest) => {
    const error = configRefusal(build);
    expect(error.option).toBe(option);
    expect(error.message).toContain(`did you mean "${nearest}"?`);
  });

  it.each<[string, () => unknown]>([
    ['redisReplayStore.commandTimeout', () => redisReplayStore({ url: URL, commandTimeout: -1 })],
    ['redisReplayStore.client', () => redisReplayStore({ client: {} as never })],
    ['redisReplayStore', () => redisReplayStore('redis://cache:6379' as never)],
    // Longer than a timer can wait: the first command would time out at once.
    ['redisReplayStore.commandTimeout', () => redisReplayStore({ url: URL, commandTimeout: 2 ** 31 })],
    [
      'redisTokenCacheStore.reconnectMaxDelay',
      () => redisTokenCacheStore({ url: URL, reconnectMaxDelay: 2 ** 31 }),
    ],
    ['redisTokenCacheStore.url', () => redisTokenCacheStore({ url: 'cache.internal:6379' })],
    ['redisReplayStore.url', () => redisReplayStore({ url: 'https://cache.internal:6379' })],
    ['redisReplayStore.url', () => redisReplayStore({ url: 'redis://cache internal' })],
  ])('refuses a wrong type or range: %s', (option, build) => {
    expect(configRefusal(build).option).toBe(option);
  });
});

describe('cluster and sentinel options are checked like the others', () => {
  const node = { host: '127.0.0.1', port: 1 };

  it.each<[string, () => unknown, string]>([
    ['rootNode', () => redisTokenCacheStore({ cluster: { rootNode: [node] } } as never), 'rootNodes'],
    [
      'sentinelRootNode',
      () => redisReplayStore({ sentinel: { name: 'main', sentinelRootNode: [node] } } as never),
      'sentinelRootNodes',
    ],
    [
      'hostname',
      () => redisReplayStore({ cluster: { rootNodes: [{ hostname: 'a', port: 1 }] } } as never),
      'host',
    ],
  ])('refuses the misspelled %s', (_name, build, nearest) => {
    expect(configRefusal(build).message).toContain(`did you mean "${nearest}"?`);
  });

  it.each<[string, () => unknown]>([
    ['redisTokenCacheStore.cluster.rootNodes', () => redisTokenCacheStore({ cluster: { rootNodes: [] } })],
    [
      'redisTokenCacheStore.cluster.rootNodes[0].port',
      () => redisTokenCacheStore({ cluster: { rootNodes: [{ host: 'a', port: 70_000 }] } }),
    ],
    [
      'redisTokenCacheStore.cluster.rootNodes[0]',
      () => redisTokenCacheStore({ cluster: { rootNodes: [{ host: 'a' }] } as never }),
    ],
    ['redisReplayStore.cluster.rootNodes', () => redisReplayStore({ cluster: {} as never })],
    [
      'redisReplayStore.sentinel.name',
      () => redisReplayStore({ sentinel: { sentinelRootNodes: [node] } as never }),
    ],
    [
      'redisReplayStore.sentinel.sentinelRootNodes',
      () => redisReplayStore({ sentinel: { name: 'main', sentinelRootNodes: 'a:1' as never } }),
    ],
    ['redisReplayStore.client', () => redisReplayStore({ url: URL, cluster: { rootNodes: [node] } })],
    [
      'redisTokenCacheStore.client',
      () =>
        redisTokenCacheStore({
          cluster: { rootNodes: [node] },
          sentinel: { name: 'main', sentinelRootNodes: [node] },
        }),
    ],
  ])('refuses %s', (option, build) => {
    expect(configRefusal(build).option).toBe(option);
  });
});

describe('sizes are bounded', () => {
  it.each<[string, () => unknown]>([
    // lru-cache allocates its arrays for `max` at once: 2³² throws a RangeError, 10⁷ costs 160 MB.
    ['redisTokenCacheStore.localMaxEntries', () => redisTokenCacheStore({ url: URL, localMaxEntries: 1e12 })],
    ['redisTokenCacheStore.localMaxEntries', () => redisTokenCacheStore({ url: URL, localMaxEntries: 1e7 })],
    [
      'redisTokenCacheStore.localMaxEntries',
      () => redisTokenCacheStore({ url: URL, localMaxEntries: 1_000_001 }),
    ],
    ['redisTokenCacheStore.maxValueBytes', () => redisTokenCacheStore({ url: URL, maxValueBytes: 1 })],
    ['redisTokenCacheStore.maxValueBytes', () => redisTokenCacheStore({ url: URL, maxValueBytes: 255 })],
    ['redisTokenCacheStore.maxValueBytes', () => redisTokenCacheStore({ url: URL, maxValueBytes: 1e15 })],
    [
      'redisTokenCacheStore.maxValueBytes',
      () => redisTokenCacheStore({ url: URL, maxValueBytes: 1024 * 1024 + 1 }),
    ],
  ])('refuses %s out of range', (option, build) => {
    const error = configRefusal(build);
    expect(error.option).toBe(option);
    expect(error.problem).toMatch(/from \d+ to \d+/);
  });

  it('accepts the bounds themselves', async () => {
    for (const options of [
      { localMaxEntries: 1_000_000, maxValueBytes: 256 },
      { localMaxEntries: 1, maxValueBytes: 1024 * 1024 },
    ]) {
      const store = redisTokenCacheStore({ url: URL, reconnectMaxDelay: 10, onError: () => {}, ...options });
      await store.close();
    }
  });
});

describe('Redis URLs node-redis cannot use are refused, their secrets unrepeated', () => {
  it.each<[string, string]>([
    ['a database that is not a number', 'redis://:s3cret-pw@127.0.0.1:6379/abc'],
    ['a negative database', 'redis://:s3cret-pw@127.0.0.1:6379/-1'],
    ['a fractional database', 'redis://:s3cret-pw@127.0.0.1:6379/1.5'],
    ['a path beyond the database', 'redis://:s3cret-pw@127.0.0.1:6379/0/keys'],
    ['a password that is not valid percent-encoding', 'redis://user:s3cret-pw%zz@127.0.0.1:6379'],
    ['no host', 'redis:///0'],
    // node-redis ignores the query and the fragment: each of these would be dropped without a word.
    ['TLS asked for in the query', 'redis://:s3cret-pw@cache.example.com:6379?ssl=true'],
    ['a database in the query', 'redis://:s3cret-pw@127.0.0.1:6379?db=2'],
    ['a password in the query', 'redis://127.0.0.1:6379/0?password=s3cret-pw'],
    ['a fragment', 'redis://127.0.0.1:6379#s3cret-pw'],
  ])('%s', (_name, url) => {
    for (const [factory, build] of [
      ['redisTokenCacheStore', () => redisTokenCacheStore({ url })],
      ['redisReplayStore', () => redisReplayStore({ url })],
    ] as const) {
      const error = configRefusal(build);
      expect(error.option).toBe(`${factory}.url`);
      expect(error.message).not.toContain('s3cret');
    }
  });

  it('accepts a database number', async () => {
    const store = redisReplayStore({
      url: 'redis://127.0.0.1:1/15',
      reconnectMaxDelay: 10,
      onError: () => {},
    });
    await store.close();
  });
});

describe('a client lacking what the stores call on it is refused', () => {
  it.each<[string, object, string]>([
    ['only sendCommand', { sendCommand: async () => 'OK' }, '`on`'],
    [
      'no duplicate',
      { sendCommand: async () => 'OK', on: () => {}, off: () => {}, isReady: true },
      '`duplicate`',
    ],
    [
      'no isReady',
      { sendCommand: async () => 'OK', on: () => {}, off: () => {}, duplicate: () => ({}) },
      '`isReady`',
    ],
  ])('%s', (_name, client, missing) => {
    for (const [factory, build] of [
      ['redisTokenCacheStore', () => redisTokenCacheStore({ client: client as never })],
      ['redisReplayStore', () => redisReplayStore({ client: client as never })],
    ] as const) {
      const error = configRefusal(build);
      expect(error.option).toBe(`${factory}.client`);
      expect(error.problem).toContain(missing);
    }
  });

  it('accepts a node-redis client, not yet connected', async () => {
    const client = createClient({ url: URL });
    const store = redisReplayStore({ client });
    await store.close();
  });
});

describe('reconnectBackoff checks its longest pause', () => {
  it.each([Number.NaN, -1, 0, null, 1.5, 2 ** 31, '2000', Number.POSITIVE_INFINITY])(
    'refuses %s',
    (maxDelayMs) => {
      expect(configRefusal(() => reconnectBackoff(maxDelayMs as never)).option).toBe(
        'reconnectBackoff.maxDelayMs',
      );
    },
  );

  it('waits 50 ms, doubling up to maxDelayMs, plus at most 10 % jitter', () => {
    const backoff = reconnectBackoff(1_000);
    for (const [retries, base] of [
      [0, 50],
      [1, 100],
      [4, 800],
      [5, 1_000],
      [1_000, 1_000],
    ] as const) {
      const delay = backoff(retries);
      expect(delay).toBeGreaterThanOrEqual(base);
      expect(delay).toBeLessThanOrEqual(Math.round(base * 1.1));
    }
    expect(reconnectBackoff()(100)).toBeLessThanOrEqual(2_200);
    expect(reconnectBackoff(1)(0)).toBe(1);
  });

  it('never answers a delay that is not a whole positive number, whatever the retry count', () => {
    const backoff = reconnectBackoff(1_000);
    for (const retries of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY]) {
      const delay = backoff(retries);
      expect(Number.isSafeInteger(delay) && delay >= 50 && delay <= 1_100).toBe(true);
    }
  });
});

describe('names that can never match or break the protocol are refused', () => {
  const node = { host: '127.0.0.1', port: 1 };

  it.each<[string, () => unknown]>([
    ['redisTokenCacheStore.keyPrefix', () => redisTokenCacheStore({ url: URL, keyPrefix: 'a\nb' })],
    ['redisTokenCacheStore.keyPrefix', () => redisTokenCacheStore({ url: URL, keyPrefix: 'orders token:' })],
    [
      'redisTokenCacheStore.keyPrefix',
      () => redisTokenCacheStore({ url: URL, keyPrefix: 'rs:token:\u0000' }),
    ],
    ['redisTokenCacheStore.channel', () => redisTokenCacheStore({ url: URL, channel: ' ' })],
    ['redisTokenCacheStore.channel', () => redisTokenCacheStore({ url: URL, channel: 'evict\r\n' })],
    [
      'redisReplayStore.sentinel.name',
      () => redisReplayStore({ sentinel: { name: ' ', sentinelRootNodes: [node] } }),
    ],
    [
      'redisTokenCacheStore.sentinel.name',
      () => redisTokenCacheStore({ sentinel: { name: 'rs main', sentinelRootNodes: [node] } }),
    ],
    [
      'redisTokenCacheStore.cluster.rootNodes[0].host',
      () => redisTokenCacheStore({ cluster: { rootNodes: [{ host: 'h:6379', port: 6379 }] } }),
    ],
    [
      'redisReplayStore.cluster.rootNodes[1].host',
      () => redisReplayStore({ cluster: { rootNodes: [node, { host: 'redis://h', port: 6379 }] } }),
    ],
    [
      'redisReplayStore.sentinel.sentinelRootNodes[0].host',
      () =>
        redisReplayStore({
          sentinel: { name: 'main', sentinelRootNodes: [{ host: '[::1]:26379', port: 1 }] },
        }),
    ],
    [
      'redisReplayStore.cluster.rootNodes[0].host',
      () => redisReplayStore({ cluster: { rootNodes: [{ host: ' redis-0', port: 6379 }] } }),
    ],
  ])('%s', (option, build) => {
    expect(configRefusal(build).option).toBe(option);
  });

  it('says to give the port as `port`', () => {
    const error = configRefusal(() =>
      redisTokenCacheStore({ cluster: { rootNodes: [{ host: 'h:6379', port: 6379 }] } }),
    );
    expect(error.problem).toContain('`port`');
  });

  it('accepts IPv6 hosts, and prefixes and channels with punctuation', async () => {
    const store = redisTokenCacheStore({
      cluster: { rootNodes: [{ host: '::1', port: 1 }] },
      keyPrefix: 'app[1]*:',
      channel: 'rs:token-cache:evict',
      reconnectMaxDelay: 10,
      onError: () => {},
    });
    await store.close();
  });
});

describe('a signingSecret given as text with what only a mistake puts there', () => {
  const SECRET = 'a-signing-secret-shared-by-every-instance';
  it.each([
    ['a trailing line break', `${SECRET}\n`],
    ['a trailing CRLF', `${SECRET}\r\n`],
    ['a leading space', ` ${SECRET}`],
    ['a NUL inside', `${SECRET.slice(0, 8)}\0${SECRET.slice(8)}`],
  ])('%s is refused at start-up, the secret unrepeated', (_name, signingSecret) => {
    const error = configRefusal(() => redisTokenCacheStore({ url: URL, signingSecret }));
    expect(error.option).toBe('redisTokenCacheStore.signingSecret');
    expect(error.message).toContain('a line break read from a file with it?');
    expect(error.message).not.toContain(SECRET.slice(0, 12));
  });

  it('keeps spaces inside, and bytes as they are', async () => {
    for (const signingSecret of [
      'a signing secret with spaces inside of it',
      new TextEncoder().encode(`${SECRET}\n`),
    ]) {
      const store = redisTokenCacheStore({
        url: URL,
        reconnectMaxDelay: 10,
        onError: () => {},
        signingSecret,
      });
      await store.close();
    }
  });
});
