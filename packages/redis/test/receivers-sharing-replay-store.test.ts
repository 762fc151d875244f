import {
  createResourceServer,
  jwtResolver,
  pushDeliveryHandler,
  type RevocationList,
  revocationList,
  securityEventReceiver,
  staticJwks,
} from '@rs/core';
import {
  generateSigningKey,
  jwksOf,
  mintToken,
  signSecurityEvent,
  type TestSigningKey,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RedisReplayStore } from '../src/index.js';
import { type RedisProcess, startRedis, stopAllRedis } from './redis-process.js';
import { connectedReplayStore } from './store-fixture.js';

// Two APIs of one deployment, each a receiver of the same transmitter under its own audience, with their
// replay markers in one Redis (redisReplayStore keeps them under the fixed prefix rs:set:, so no option
// separates them). A SET the transmitter addresses to both (RFC 8417 allows several audiences) reaches
// each of them: each must act on it once, not the first one alone.
const ISSUER = 'https://as.example.com';
const TRANSMITTER = 'https://ssf.example.com';
const ORDERS = { audience: 'https://orders.example.com', receiver: 'https://orders.example.com/ssf' };
const PAYMENTS = { audience: 'https://payments.example.com', receiver: 'https://payments.example.com/ssf' };

let redis: RedisProcess;
let tokenKey: TestSigningKey;
let transmitterKey: TestSigningKey;
const replayStores: RedisReplayStore[] = [];
const lists: RevocationList[] = [];

beforeAll(async () => {
  [redis, tokenKey, transmitterKey] = await Promise.all([
    startRedis(),
    generateSigningKey('ES256'),
    generateSigningKey('ES256', 'ssf'),
  ]);
});
afterEach(async () => {
  for (const list of lists.splice(0)) list.close();
  await Promise.all(replayStores.splice(0).map((store) => store.close()));
});
afterAll(() => stopAllRedis());

/** One API: its own revocation list, JWT resolver and SET receiver, its replay markers in the shared Redis. */
async function api(which: typeof ORDERS) {
  const replayStore = await connectedReplayStore(redis.url);
  replayStores.push(replayStore);
  const revocations = revocationList();
  lists.push(revocations);
  const rs = createResourceServer({
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: which.audience,
      keys: staticJwks(jwksOf(tokenKey)),
      revocations,
    }),
  });
  const receiver = securityEventReceiver({
    issuer: TRANSMITTER,
    audience: which.receiver,
    keys: staticJwks(jwksOf(transmitterKey)),
    replayStore,
    revocations,
  });
  const push = pushDeliveryHandler(receiver);
  return {
    revocations,
    authenticate: async (token: string) =>
      rs.authenticate({
        method: 'GET',
        url: `${which.audience}/things`,
        headers: { authorization: `Bearer ${token}` },
      }),
    push: (set: string) =>
      push(
        new Request(which.receiver, {
          method: 'POST',
          headers: { 'content-type': 'application/secevent+jwt' },
          body: set,
        }),
      ),
  };
}

// A SET's jti is remembered per transmitter and receiver: keyed by the transmitter alone, the second API
// answered the SET 400 "already received" and never revoked.
describe('two SET receivers of one transmitter sharing a Redis replay store', () => {
  it('each acts on a SET addressed to both: the second API refuses the revoked subject too', async () => {
    const orders = await api(ORDERS);
    const payments = await api(PAYMENTS);
    const now = Math.floor(Date.now() / 1000) - 5;
    const forOrders = await mintToken(
      tokenKey,
      { issuer: ISSUER, audience: ORDERS.audience, now },
      { sub: 'alice' },
    );
    const forPayments = await mintToken(
      tokenKey,
      { issuer: ISSUER, audience: PAYMENTS.audience, now },
      { sub: 'alice' },
    );
    expect((await orders.authenticate(forOrders)).ok).toBe(true);
    expect((await payments.authenticate(forPayments)).ok).toBe(true);

    const set = await signSecurityEvent(
      transmitterKey,
      { [TOKENS_REVOKED]: {} },
      {
        issuer: TRANSMITTER,
        audience: [ORDERS.receiver, PAYMENTS.receiver],
        subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'alice' },
      },
    );
    expect((await orders.push(set)).status).toBe(202);
    expect((await payments.push(set)).status).toBe(202);

    for (const [name, refused] of [
      ['orders', await orders.authenticate(forOrders)],
      ['payments', await payments.authenticate(forPayments)],
    ] as const) {
      expect({ name, code: !refused.ok && refused.rejection.code }).toEqual({ name, code: 'token_revoked' });
    }
    expect(payments.revocations.stats().revocations).toBe(1);
  });

  it('still acts once per API: the same SET pushed again to either one is a duplicate there', async () => {
    const orders = await api(ORDERS);
    const payments = await api(PAYMENTS);
    const set = await signSecurityEvent(
      transmitterKey,
      { [TOKENS_REVOKED]: {} },
      {
        issuer: TRANSMITTER,
        audience: [ORDERS.receiver, PAYMENTS.receiver],
        subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'bob' },
      },
    );
    for (const target of [orders, payments, orders, payments]) await target.push(set);
    expect(orders.revocations.stats().revocations).toBe(1);
    expect(payments.revocations.stats().revocations).toBe(1);
  });
});
