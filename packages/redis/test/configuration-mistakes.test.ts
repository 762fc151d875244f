import { configRefusal } from '@rs/testkit';
import { describe, expect, it } from 'vitest';
import { redisReplayStore, redisTokenCacheStore } from '../src/index.js';

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
