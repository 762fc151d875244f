import { jwtResolver, staticJwks, tokenCache } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { requestContext } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// Two APIs of one company share one Redis with the default key prefix. Each cache keys its answers by
// its resolver's namespace, so the payments API never accepts a token cached for the orders API.
const ISSUER = 'https://as.example.com';
const ORDERS = 'https://orders.example.com';
const PAYMENTS = 'https://payments.example.com';

let redis: RedisProcess;
let key: TestSigningKey;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  [redis, key] = await Promise.all([startRedis(), generateSigningKey('ES256', 'k1')]);
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

const resolverFor = (audience: string) =>
  jwtResolver({ issuer: ISSUER, audience, keys: staticJwks(jwksOf(key)) });

describe('two APIs sharing one Redis with the default key prefix', () => {
  it("the payments API refuses a token cached for the orders API's audience", async () => {
    const orders = tokenCache(resolverFor(ORDERS), { store: await fixture.store() });
    const payments = tokenCache(resolverFor(PAYMENTS), { store: await fixture.store() });
    const forOrders = await mintToken(key, { issuer: ISSUER, audience: ORDERS });

    expect((await orders.resolve(forOrders, requestContext())).ok).toBe(true);
    const refused = await payments.resolve(forOrders, requestContext());
    expect(refused).toMatchObject({ ok: false, failure: { code: 'audience_mismatch' } });
    expect(payments.stats()).toMatchObject({ hits: 0, misses: 1 });

    // Each answer sits under its own namespace in Redis; the token itself appears nowhere.
    const keys = (await (await fixture.raw()).keys('rs:token:*')).sort();
    expect(keys).toHaveLength(2);
    const namespaces = keys.map((stored) => stored.split(':')[2]);
    expect(new Set(namespaces)).toEqual(new Set([orders.cacheNamespace, payments.cacheNamespace]));
    for (const stored of keys) expect(stored).not.toContain(forOrders.split('.')[2]);
  });

  it('two instances of one API still share their answers', async () => {
    const first = tokenCache(resolverFor(ORDERS), { store: await fixture.store() });
    const second = tokenCache(resolverFor(ORDERS), { store: await fixture.store() });
    const token = await mintToken(key, { issuer: ISSUER, audience: ORDERS });
    expect((await first.resolve(token, requestContext())).ok).toBe(true);
    expect((await second.resolve(token, requestContext())).ok).toBe(true);
    expect(second.stats()).toMatchObject({ hits: 1, misses: 0 });
  });
});
