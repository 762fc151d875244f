import { createHmac } from 'node:crypto';
import { type CacheIdentity, jwtResolver, sharedSecret, staticJwks, tokenCache } from '@rs/core';
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

/** The store-key segment of a cache's resolver: the digest of its namespace (computed asynchronously). */
async function namespaceDigest(subject: CacheIdentity): Promise<string | undefined> {
  const namespace = subject.cacheNamespace;
  return typeof namespace === 'string' || namespace === undefined ? namespace : namespace.digest();
}

/** An HS256 token signed with `secret`, by hand (the testkit mints with asymmetric keys). */
function hs256Token(secret: string, audience: string): string {
  const encode = (part: object) => Buffer.from(JSON.stringify(part)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const signingInput = `${encode({ alg: 'HS256', typ: 'JWT' })}.${encode({ iss: ISSUER, aud: audience, sub: 'alice', iat: now, exp: now + 300 })}`;
  return `${signingInput}.${createHmac('sha256', secret).update(signingInput).digest('base64url')}`;
}

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
    const stored = (await (await fixture.raw()).keys('rs:token:*')).sort();
    // Besides the answers, the revocation index (`rs:token:index:<label hash>`) of the accepted one.
    const keys = stored.filter((name) => !name.startsWith('rs:token:index:'));
    expect(keys).toHaveLength(2);
    const namespaces = keys.map((stored) => stored.split(':')[2]);
    expect(new Set(namespaces)).toEqual(
      new Set([await namespaceDigest(orders), await namespaceDigest(payments)]),
    );
    for (const name of stored) expect(name).not.toContain(forOrders.split('.')[2]);
  });

  it('two instances of one API still share their answers', async () => {
    const first = tokenCache(resolverFor(ORDERS), { store: await fixture.store() });
    const second = tokenCache(resolverFor(ORDERS), { store: await fixture.store() });
    const token = await mintToken(key, { issuer: ISSUER, audience: ORDERS });
    expect((await first.resolve(token, requestContext())).ok).toBe(true);
    expect((await second.resolve(token, requestContext())).ok).toBe(true);
    expect(second.stats()).toMatchObject({ hits: 1, misses: 0 });
  });

  it('keeps a shared secret out of Redis: only the digest of its namespace names the keys', async () => {
    const secret = 'orders-hmac-secret-of-32-bytes!!';
    const resolver = jwtResolver({ issuer: ISSUER, audience: ORDERS, keys: sharedSecret(secret) });
    const cache = tokenCache(resolver, { store: await fixture.store() });
    const token = hs256Token(secret, ORDERS);
    const forged = hs256Token('another-secret-of-32-bytes-long!', ORDERS);
    // Concurrent first requests share one digest of the namespace.
    const answers = await Promise.all([token, forged].map((each) => cache.resolve(each, requestContext())));
    expect(answers.map((answer) => answer.ok)).toEqual([true, false]);

    const raw = await fixture.raw();
    const keys: string[] = [];
    for await (const batch of raw.scanIterator({ MATCH: '*', COUNT: 100 })) keys.push(...batch);
    const digest = await namespaceDigest(resolver);
    expect(digest).toMatch(/^jwt-[A-Za-z0-9_-]{43}$/);
    // Two answers under this resolver's namespace; the keys of the other tests stay where they were.
    const own = keys.filter((each) => each.startsWith(`rs:token:${digest}:`));
    expect(own).toHaveLength(2);
    const stored = [...keys, ...(await Promise.all(own.map((each) => raw.get(each))))].join('\n');
    for (const shown of [secret, Buffer.from(secret).toString('base64url'), token, forged])
      expect(stored).not.toContain(shown);
  });
});
