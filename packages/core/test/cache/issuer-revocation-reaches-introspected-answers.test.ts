import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectionResolver, type RevocationList, revocationList, tokenCache } from '../../src/index.js';
import { expectFailure, expectSuccess, ISSUER, NOW_MS, resolveAt } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';
import { LATER, REVOKED_AT, storeWithFailingDeletions } from './failing-deletions-setup.js';

// A revocation of one issuer's subject (a Security Event Token's `iss_sub` subject) must reach the
// introspected answers a store kept though their deletion failed, also when the answers do not say
// their issuer: RFC 7662 makes `iss` optional, and many servers leave it out. Such an answer is asked for
// again; the authorization server says whether it is still active.

function listRevokingAt(now: number): RevocationList {
  return revocationList({ clock: () => now });
}

describe('tokenCache given a revocation list, over introspection answers without "iss"', () => {
  const revokedAtServer = new Set<string>();
  let server: StandInServer;
  beforeAll(async () => {
    server = await startStandInServer(({ form }) => {
      const token = form.get('token') ?? '';
      return {
        json: revokedAtServer.has(token)
          ? { active: false }
          : { active: true, sub: 'alice', sid: 's1', exp: NOW_MS / 1000 + 300, iat: NOW_MS / 1000 },
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

  for (const by of ['sub', 'sid'] as const) {
    it(`asks again for an answer a revocation by ${by} of its issuer could not delete`, async () => {
      const token = `opaque-token-revoked-by-issuer-${by}`;
      const store = storeWithFailingDeletions();
      const list = listRevokingAt(REVOKED_AT);
      const cache = tokenCache(introspection(), { store, revocations: list });
      expectSuccess(await resolveAt(cache, token, NOW_MS));
      const callsBefore = server.requests.length;
      store.failing = true;
      await list.revoke({ by, value: by === 'sub' ? 'alice' : 's1', issuer: ISSUER });
      store.failing = false;
      revokedAtServer.add(token);
      expectFailure(await resolveAt(cache, token, LATER), 'token_inactive');
      expect(server.requests.length).toBe(callsBefore + 1);
    });
  }

  it("asks once again for an answer another issuer's revocation may name, then serves the new one", async () => {
    const token = 'opaque-token-beside-another-issuer';
    const store = storeWithFailingDeletions();
    const list = listRevokingAt(REVOKED_AT);
    const cache = tokenCache(introspection(), { store, revocations: list });
    expectSuccess(await resolveAt(cache, token, NOW_MS));
    store.failing = true;
    await list.revoke({ by: 'sub', value: 'alice', issuer: 'https://other-as.example.com' });
    store.failing = false;
    // The answer does not say which server issued the token: it may be the other one's.
    const callsBefore = server.requests.length;
    expectSuccess(await resolveAt(cache, token, LATER));
    expect(server.requests.length).toBe(callsBefore + 1);
    // The answer given after the revocation is kept.
    expectSuccess(await resolveAt(cache, token, LATER + 1));
    expect(server.requests.length).toBe(callsBefore + 1);
  });
});
