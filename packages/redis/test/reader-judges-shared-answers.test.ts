import {
  type AccessTokenResolver,
  type Outcome,
  type ResolveContext,
  type TokenInfo,
  tokenCache,
  tokenHash,
  tokenInfoFromClaims,
} from '@rs/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { CountingAuthorizationServer } from './helpers.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// Instances of one API sharing Redis, each token cache judging what it reads there by its own settings
// and clock (`@rs/core`'s tokenCache does, whatever the store): the writer's `ttl`, clock or a value
// planted in Redis must not decide what a reader serves.

let redis: RedisProcess;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  redis = await startRedis();
});
afterEach(() => fixture.closeAll());
afterAll(() => stopAllRedis());

const MINUTE = 60_000;
const YEAR = 365 * 24 * 3_600_000;

/** A request on an instance whose clock reads `now`. */
function at(now: number): ResolveContext {
  return { now, request: { method: 'GET', url: 'https://api.example.com/orders', headers: {} } };
}

async function keyOf(resolver: AccessTokenResolver, token: string): Promise<string> {
  return `rs:token:${resolver.cacheNamespace as string}:${await tokenHash(token)}`;
}

/**
 * Stands in for the authorization server of a token expiring at `expMs`: active before, `token_expired`
 * from then on, by the clock of the instance asking.
 */
function expiringAt(expMs: number): AccessTokenResolver & { calls: number } {
  const resolver = {
    cacheNamespace: 'expiring-token-server',
    calls: 0,
    async resolve(_token: string, context: ResolveContext): Promise<Outcome<TokenInfo>> {
      resolver.calls++;
      if (context.now >= expMs) {
        return { ok: false, failure: { code: 'token_expired', description: 'The access token expired' } };
      }
      const claims = { active: true, sub: 'bob', scope: 'read', exp: Math.floor(expMs / 1000) };
      return { ok: true, value: tokenInfoFromClaims(claims, 'introspection') };
    },
  };
  return resolver;
}

describe('an answer planted in Redis', () => {
  it('does not make a made-up token pass when it expired an hour ago, however long Redis keeps it', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    const store = await fixture.store();
    const raw = await fixture.raw();
    const cache = tokenCache(authorizationServer, { store, ttl: 10_000, maxTtl: 10_000 });
    const key = await keyOf(authorizationServer, 'revoked-letmein');
    const now = Date.now();
    await raw.set(
      key,
      JSON.stringify({
        v: 1,
        key,
        usableUntil: now + YEAR,
        source: 'jwt',
        claims: {
          sub: 'mallory',
          scope: 'read admin',
          iss: 'https://evil',
          exp: Math.floor(now / 1000) - 3_600,
        },
      }),
      { PX: YEAR },
    );

    const answer = await cache.resolve('revoked-letmein', at(now));

    expect(answer).toMatchObject({ ok: false, failure: { code: 'token_inactive' } });
    expect(authorizationServer.calls).toBe(1);
    // The cache's own refusal replaced it, for no longer than the cache keeps refusals.
    expect(await raw.pTTL(key)).toBeLessThanOrEqual(5_000);
  });
});

describe('a reader with a shorter ttl than the writer', () => {
  it('asks again once the shared answer is older than its own ttl', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    const writer = tokenCache(authorizationServer, {
      store: await fixture.store(),
      ttl: 5 * MINUTE,
      maxTtl: 5 * MINUTE,
    });
    const reader = tokenCache(authorizationServer, {
      store: await fixture.store(),
      ttl: 2_000,
      maxTtl: 2_000,
    });
    const now = Date.now();

    await writer.resolve('token-1', at(now));
    await reader.resolve('token-1', at(now + 1_000));
    expect(authorizationServer.calls).toBe(1);

    expect((await reader.resolve('token-1', at(now + 3_500))).ok).toBe(true);
    expect(authorizationServer.calls).toBe(2);
  });

  it('keeps a Redis hit in its in-process tier no longer than its own maxTtl', async () => {
    const authorizationServer = new CountingAuthorizationServer();
    const readerStore = await fixture.store();
    const raw = await fixture.raw();
    const writer = tokenCache(authorizationServer, { store: await fixture.store(), ttl: MINUTE });
    const reader = tokenCache(authorizationServer, { store: readerStore, ttl: 100, maxTtl: 100 });
    await writer.resolve('token-2', at(Date.now()));
    await reader.resolve('token-2', at(Date.now()));
    expect(readerStore.stats()).toMatchObject({ redisHits: 1, localEntries: 1 });

    // Gone from Redis without an eviction: only the local copy's own lifetime can drop it.
    await raw.del(await keyOf(authorizationServer, 'token-2'));
    await new Promise((resolve) => setTimeout(resolve, 200));

    expect(await readerStore.get(await keyOf(authorizationServer, 'token-2'))).toBeUndefined();
  });
});

describe('an instance whose clock is wrong', () => {
  it('does not make the others refuse a valid token: its token_expired, stored 10 minutes ahead, is not served', async () => {
    const now = Date.now();
    const authorizationServer = expiringAt(now + 2 * MINUTE);
    const fast = tokenCache(authorizationServer, { store: await fixture.store(), negativeTtl: MINUTE });
    const right = tokenCache(authorizationServer, { store: await fixture.store(), negativeTtl: MINUTE });

    expect(await fast.resolve('token-3', at(now + 10 * MINUTE))).toMatchObject({
      ok: false,
      failure: { code: 'token_expired' },
    });
    expect((await right.resolve('token-3', at(now))).ok).toBe(true);
    expect(authorizationServer.calls).toBe(2);
  });
});
