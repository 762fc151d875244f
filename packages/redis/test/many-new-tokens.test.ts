import { tokenCache } from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CountingAuthorizationServer, requestContext } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// `maxPendingCommands` counts commands, and one write sends several (the answer, then 4 per revocation
// label: 9 for these answers, with a subject and a client). A cold start meeting a couple of hundred new
// tokens at once is normal load for a healthy Redis, and must not be taken for a hung one.

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

describe('many new tokens at once on a healthy Redis', () => {
  it('shares every answer with the default maxPendingCommands, and reports no store error', async () => {
    const errors: unknown[] = [];
    // What is checked is the count of pending commands, not Redis's latency: a command timeout far above
    // the default 250 ms keeps a CI machine whose cores are busy with builds from failing it.
    const store = await fixture.store({ onError: (error) => errors.push(error), commandTimeout: 10_000 });
    const cache = tokenCache(new CountingAuthorizationServer(), { store });
    const tokens = Array.from({ length: 200 }, (_, i) => `cold-start-token-${i}`);

    const answers = await Promise.all(tokens.map((token) => cache.resolve(token, requestContext())));

    expect(answers.every((answer) => answer.ok)).toBe(true);
    // Writes are not awaited by the requests: wait until Redis holds all of them, or an error says why not.
    const raw = await fixture.raw();
    const shared = async () => (await raw.keys('rs:token:counting-authorization-server:*')).length;
    for (let wait = 0; (await shared()) < tokens.length && errors.length === 0 && wait < 800; wait++) {
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(errors).toEqual([]);
    expect(await shared()).toBe(tokens.length);
  });
});
