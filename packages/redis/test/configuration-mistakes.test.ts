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
  ])('refuses a wrong type or range: %s', (option, build) => {
    expect(configRefusal(build).option).toBe(option);
  });
});
