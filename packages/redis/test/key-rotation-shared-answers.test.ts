import { jwtResolver, type ResolveContext, remoteJwks, tokenCache } from '@rs/core';
import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  mintToken,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { StoreFixture } from './store-fixture.js';

// A JWT's answer shared through Redis across a key rotation. Each instance reads the issuer's JWK set on
// its own schedule; the answer one of them stored while it still held a withdrawn key is served to the
// others for the cache's `ttl` at most (as the core README says: a token cache keeps a JWT's answer for
// its lifetime, the key set notwithstanding), never longer.
const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://orders.example.com';
const TTL = 30_000;

let redis: RedisProcess;
let withdrawn: TestSigningKey;
let kept: TestSigningKey;
let publication: JwksServer;
const fixture = new StoreFixture(() => redis);

beforeAll(async () => {
  [redis, withdrawn, kept] = await Promise.all([
    startRedis(),
    generateSigningKey('ES256', 'withdrawn'),
    generateSigningKey('ES256', 'kept'),
  ]);
});
afterEach(async () => {
  await fixture.closeAll();
  await publication?.close();
});
afterAll(() => stopAllRedis());

function at(now: number): ResolveContext {
  return { now, request: { method: 'GET', url: 'https://orders.example.com/orders', headers: {} } };
}

/** One instance of the API: its own view of the JWK set, the answers shared through Redis. */
async function instance() {
  const keys = remoteJwks({ url: publication.url, onFetchError: () => {} });
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
  return tokenCache(resolver, { store: await fixture.store(), ttl: TTL });
}

describe('a JWT answer shared through Redis across a key rotation', () => {
  it('is served to an instance that no longer holds the key for ttl at most, then refused', async () => {
    publication = await startJwksServer(jwksOf(withdrawn, kept));
    const start = Date.now();
    const token = await mintToken(
      withdrawn,
      { issuer: ISSUER, audience: AUDIENCE },
      { exp: Math.floor(start / 1000) + 3600 },
    );
    const stale = await instance();
    expect((await stale.resolve(token, at(start))).ok).toBe(true);

    // The key is withdrawn; an instance started since reads the new set, and is answered from Redis.
    publication.setDocument(jwksOf(kept));
    const fresh = await instance();
    expect((await fresh.resolve(token, at(start + 1_000))).ok).toBe(true);
    expect(fresh.stats()).toMatchObject({ hits: 1, misses: 0 });

    // Past ttl, the shared answer is no longer served: the fresh instance asks its resolver, which refuses.
    const past = start + TTL + 1;
    expect(await fresh.resolve(token, at(past))).toMatchObject({
      ok: false,
      failure: { code: 'unknown_key' },
    });
    expect(fresh.stats()).toMatchObject({ hits: 1, misses: 1 });
  });
});
