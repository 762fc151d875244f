import { createResourceServer, type ResourceServer, type RsRequest } from '@rs/core';
import { generateDpopKey, type TestIssuer, testIssuer } from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisReplayStore } from '../src/index.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore } from './store-fixture.js';

// Two APIs of one deployment whose DPoP replay markers share one Redis (redisReplayStore keeps them under
// the fixed prefix rs:dpop:). A proof made for one API, shown to the other, is refused there for its
// `htu`, and must not use up its `jti`: the client's own request to the API it was made for still passes.
const ORDERS_URL = 'https://orders.example.test/orders';
const PAYMENTS_URL = 'https://payments.example.test/payments';

let redis: RedisProcess;
let issuer: TestIssuer;
const stores: RedisReplayStore[] = [];

beforeAll(async () => {
  redis = await startRedis();
  issuer = await testIssuer();
});
afterEach(async () => {
  await Promise.all(stores.splice(0).map((store) => store.close()));
});
afterAll(() => stopAllRedis());

async function api(): Promise<ResourceServer> {
  const replayStore = await connectedReplayStore(redis.url);
  stores.push(replayStore);
  return createResourceServer(issuer.options({ requireHttps: true, dpop: { replayStore } }));
}

function request(url: string, token: string, proof: string): RsRequest {
  return { method: 'GET', url, headers: { authorization: `DPoP ${token}`, dpop: proof } };
}

describe('DPoP proofs across two APIs sharing a Redis replay store', () => {
  it('refuses a proof shown to the other API without using it up for the API it was made for', async () => {
    const [orders, payments] = [await api(), await api()];
    const key = await generateDpopKey();
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } });
    const proof = await key.proof('GET', ORDERS_URL, token);

    const elsewhere = await payments.authenticate(request(PAYMENTS_URL, token, proof));
    expect(elsewhere.ok || elsewhere.rejection.code).toBe('dpop_htu_mismatch');
    expect((await orders.authenticate(request(ORDERS_URL, token, proof))).ok).toBe(true);
    const replayed = await orders.authenticate(request(ORDERS_URL, token, proof));
    expect(replayed.ok || replayed.rejection.code).toBe('dpop_replayed');
    // Used at the API it was made for, it is still no proof for the other one.
    const after = await payments.authenticate(request(PAYMENTS_URL, token, proof));
    expect(after.ok || after.rejection.code).toBe('dpop_htu_mismatch');
  });

  it('accepts one proof per API for the same key and token, each used once', async () => {
    const [orders, payments] = [await api(), await api()];
    const key = await generateDpopKey();
    const token = await issuer.mint({ cnf: { jkt: key.thumbprint } });
    const forOrders = await key.proof('GET', ORDERS_URL, token);
    const forPayments = await key.proof('GET', PAYMENTS_URL, token);
    expect((await orders.authenticate(request(ORDERS_URL, token, forOrders))).ok).toBe(true);
    expect((await payments.authenticate(request(PAYMENTS_URL, token, forPayments))).ok).toBe(true);
  });
});
