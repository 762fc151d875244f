import { createResourceServer, jwtResolver, type RevocationList, revocationList, staticJwks } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken, type TestSigningKey } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisTokenCacheStore } from '../src/index.js';
import { DeploymentFixture } from './deployment-scenarios.js';
import { waitFor } from './helpers.js';
import { type RedisCluster, startRedisCluster } from './redis-cluster.js';

const ISSUER = 'https://as.example.com';
const AUDIENCE = 'https://api.example.com';
const MARKER_KEY = 'rs:token:revocation-markers';

let cluster: RedisCluster;
let tokenKey: TestSigningKey;
const fixture = new DeploymentFixture(() => ({
  connection: { cluster: { rootNodes: cluster.rootNodes } },
  readyWithinMs: 20_000,
}));
const lists: RevocationList[] = [];

beforeAll(async () => {
  [cluster, tokenKey] = await Promise.all([startRedisCluster(), generateSigningKey('ES256')]);
}, 60_000);
afterEach(async () => {
  for (const list of lists.splice(0)) list.close();
  await fixture.closeAll();
});
afterAll(() => cluster?.stop());

function apiInstance(store: RedisTokenCacheStore) {
  const revocations = revocationList({ share: store });
  lists.push(revocations);
  const resolver = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(tokenKey)),
    revocations,
  });
  return { store, revocations, rs: createResourceServer({ resolver }) };
}

async function outcome(instance: ReturnType<typeof apiInstance>, sub: string) {
  const now = Math.floor(Date.now() / 1000) - 5;
  const token = await mintToken(tokenKey, { issuer: ISSUER, audience: AUDIENCE, now }, { sub });
  const result = await instance.rs.authenticate({
    method: 'GET',
    url: 'https://api.example.com/orders',
    headers: { authorization: `Bearer ${token}` },
  });
  return result.ok ? 'accepted' : result.rejection.code;
}

describe('revocation markers kept on a Redis Cluster', () => {
  it('an instance started after a revocation reads its marker from the one key’s shard, and clear() keeps it', async () => {
    const a = apiInstance(await fixture.cacheStore());
    await a.revocations.revoke({ by: 'sub', value: 'alice' });
    await a.store.clear();
    const shard = await cluster.primaryOf(MARKER_KEY);
    expect(await cluster.keysOn(shard, MARKER_KEY)).toEqual([MARKER_KEY]);

    const b = apiInstance(await fixture.cacheStore());
    await waitFor('B to be ready', () => b.store.health?.().ready === true, 20_000);

    expect(await outcome(b, 'alice')).toBe('token_revoked');
    expect(await outcome(b, 'bob')).toBe('accepted');
    expect(b.store.stats()).toMatchObject({ markersRead: 1, redisErrors: 0 });
  });
});
