import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  hybridResolver,
  introspectionResolver,
  jwtResolver,
  memoryTokenCacheStore,
  type RevocationList,
  revocationList,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, expectFailure, expectSuccess, ISSUER, mint, NOW_MS, resolveAt } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';
import { LATER, REVOKED_AT, storeWithFailingDeletions } from './failing-deletions-setup.js';

// Deleting what a revocation names is not all a cache must do: the deletion may fail (a shared store
// down at that moment, which never fails the revocation), and an instance that did not hear of the
// revocation may store the answer again. A cache whose list holds the marker must not serve it.

function listRevokingAt(now: number): RevocationList {
  return revocationList({ clock: () => now });
}

describe('tokenCache over a JWT resolver checking a revocation list', () => {
  let key: TestSigningKey;
  beforeAll(async () => {
    key = await generateSigningKey('ES256', 'k1');
  });

  function jwtWith(revocations: RevocationList) {
    return jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)), revocations });
  }

  it.each([
    ['subject', { by: 'sub', value: 'alice' }],
    ['client', { by: 'client', value: 'app-1' }],
    ['session', { by: 'sid', value: 'session-1' }],
    ['jti', { by: 'jti', value: 'token-1' }],
  ] as const)(
    'refuses a token revoked by %s whose cached answer the store failed to delete',
    async (_, revocation) => {
      const token = await mint(key, { sub: 'alice', client_id: 'app-1', sid: 'session-1', jti: 'token-1' });
      const store = storeWithFailingDeletions();
      const list = listRevokingAt(REVOKED_AT);
      const cache = tokenCache(jwtWith(list), { store });
      expectSuccess(await resolveAt(cache, token, NOW_MS));
      store.failing = true;
      await list.revoke(revocation);
      store.failing = false;
      expectFailure(await resolveAt(cache, token, LATER), 'token_revoked');
      expect(cache.stats().storeErrors).toBe(1);
    },
  );

  it('refuses a token of a revoked subject that an instance without the marker stored afterwards', async () => {
    const token = await mint(key, { sub: 'alice' });
    const shared = memoryTokenCacheStore(100);
    const list = listRevokingAt(REVOKED_AT);
    const informed = tokenCache(jwtWith(list), { store: shared });
    await list.revoke({ by: 'sub', value: 'alice' });
    // Restarted after the revocation: it has no marker, accepts the token and stores the answer.
    const restarted = tokenCache(jwtWith(revocationList()), { store: shared });
    expectSuccess(await resolveAt(restarted, token, LATER));
    expectFailure(await resolveAt(informed, token, LATER), 'token_revoked');
  });

  it('still serves the tokens a marker does not name, and those issued after it, from the cache', async () => {
    const list = listRevokingAt(REVOKED_AT);
    let verified = 0;
    const inner = jwtWith(list);
    const cache = tokenCache(
      {
        ...inner,
        resolve: (token, context) => {
          verified++;
          return inner.resolve(token, context);
        },
      },
      { store: memoryTokenCacheStore(100) },
    );
    await list.revoke({ by: 'sub', value: 'alice' });
    const bob = await mint(key, { sub: 'bob' });
    const aliceAnew = await mint(key, { sub: 'alice', iat: REVOKED_AT / 1000 + 1 });
    for (const token of [bob, bob, aliceAnew, aliceAnew]) expectSuccess(await resolveAt(cache, token, LATER));
    expect(verified).toBe(2);
  });
});

describe('tokenCache given a revocation list over introspection', () => {
  const revokedAtServer = new Set<string>();
  let server: StandInServer;
  beforeAll(async () => {
    server = await startStandInServer(({ form }) => {
      const token = form.get('token') ?? '';
      return {
        json: revokedAtServer.has(token)
          ? { active: false }
          : { active: true, iss: ISSUER, sub: 'alice', exp: NOW_MS / 1000 + 300, iat: NOW_MS / 1000 },
      };
    });
  });
  afterAll(() => server.close());

  function introspection() {
    return introspectionResolver({
      endpoint: server.introspectionEndpoint,
      issuer: ISSUER,
      acceptAnyAudience: true,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    });
  }

  it('asks the authorization server again for an answer stored before a revocation its store failed to delete', async () => {
    const token = 'opaque-token-of-alice';
    const store = storeWithFailingDeletions();
    const list = listRevokingAt(REVOKED_AT);
    const cache = tokenCache(introspection(), { store, revocations: list });
    expectSuccess(await resolveAt(cache, token, NOW_MS));
    const callsBefore = server.requests.length;
    store.failing = true;
    await list.revoke({ by: 'sub', value: 'alice' });
    store.failing = false;
    revokedAtServer.add(token);
    expectFailure(await resolveAt(cache, token, LATER), 'token_inactive');
    expect(server.requests.length).toBe(callsBefore + 1);
  });

  it('keeps the answer the authorization server gives after the revocation', async () => {
    const token = 'another-opaque-token-of-alice';
    const list = listRevokingAt(REVOKED_AT);
    const cache = tokenCache(introspection(), { revocations: list });
    await list.revoke({ by: 'sub', value: 'alice' });
    const callsBefore = server.requests.length;
    expectSuccess(await resolveAt(cache, token, LATER));
    expectSuccess(await resolveAt(cache, token, LATER + 1));
    expect(server.requests.length).toBe(callsBefore + 1);
  });

  it("keeps an introspected answer given after a revocation by the list of the hybrid's JWT resolver", async () => {
    const key = await generateSigningKey('ES256', 'k1');
    const list = listRevokingAt(REVOKED_AT);
    const jwt = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      revocations: list,
    });
    const cache = tokenCache(hybridResolver({ jwt, opaque: introspection() }));
    await list.revoke({ by: 'sub', value: 'alice' });
    const token = 'opaque-token-of-alice-beside-jwts';
    const callsBefore = server.requests.length;
    expectSuccess(await resolveAt(cache, token, LATER));
    expectSuccess(await resolveAt(cache, token, LATER + 1));
    expect(server.requests.length).toBe(callsBefore + 1);
    // Her JWTs issued before the revocation stay refused.
    expectFailure(await resolveAt(cache, await mint(key, { sub: 'alice' }), LATER), 'token_revoked');
  });
});
