import { afterEach, describe, expect, it } from 'vitest';
import { introspectionResolver, revocationList, tokenCache } from '../../src/index.js';
import { LATER, REVOKED_AT, storeWithFailingDeletions } from '../cache/failing-deletions-setup.js';
import { expectFailure, expectSuccess, NOW_MS, resolveAt } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// An introspection resolver given several spellings of its issuer (with and without a trailing slash,
// Access Management's `/oauth2` and `/oauth2/realms/root`) accepts answers stating any of them as that
// issuer. A revocation naming the issuer by one spelling (a Security Event Token's `iss_sub` subject,
// an application's revoke call) must then reach cached answers stating another: served, a revoked token
// stays accepted. Spellings no resolver accepts together stay distinct issuers.

const servers: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

/** An endpoint answering every token active for alice, stating `iss`, until the token is revoked there. */
async function endpointStating(iss: string) {
  const revokedAtServer = new Set<string>();
  const server = await startStandInServer(({ form }) => ({
    json: revokedAtServer.has(form.get('token') ?? '')
      ? { active: false }
      : { active: true, iss, sub: 'alice', sid: 's1', exp: NOW_MS / 1000 + 300, iat: NOW_MS / 1000 },
  }));
  servers.push(server);
  return { server, revokedAtServer };
}

/**
 * A token cache over an introspection resolver accepting `issuer`, with a revocation list, in a store
 * whose deletion of what the revocation names fails (a shared store in an outage): only the list's
 * markers then keep the stored answer from being served.
 */
async function cachedAnswerRevokedAs(options: {
  readonly configured: string | readonly string[];
  readonly answered: string;
  readonly revokedAs: string;
  readonly by: 'sub' | 'sid';
}) {
  const { server, revokedAtServer } = await endpointStating(options.answered);
  const store = storeWithFailingDeletions();
  const list = revocationList({ clock: () => REVOKED_AT });
  const cache = tokenCache(
    introspectionResolver({
      endpoint: server.introspectionEndpoint,
      issuer: options.configured,
      acceptAnyAudience: true,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    }),
    { store, revocations: list },
  );
  const token = `opaque-token-${options.by}-${options.revokedAs}`;
  expectSuccess(await resolveAt(cache, token, NOW_MS));
  const callsBefore = server.requests.length;
  store.failing = true;
  await list.revoke({
    by: options.by,
    value: options.by === 'sub' ? 'alice' : 's1',
    issuer: options.revokedAs,
  });
  store.failing = false;
  // Revoked at the authorization server too: asked again, it says so.
  revokedAtServer.add(token);
  const outcome = await resolveAt(cache, token, LATER);
  return { outcome, calls: server.requests.length - callsBefore };
}

describe('a revocation naming another spelling of the issuer the resolver accepts', () => {
  const WITHOUT_SLASH = 'https://as.example.com';
  const WITH_SLASH = 'https://as.example.com/';

  for (const by of ['sub', 'sid'] as const) {
    it(`by ${by}: reaches a cached answer stating the issuer with a trailing slash`, async () => {
      const { outcome, calls } = await cachedAnswerRevokedAs({
        configured: [WITH_SLASH, WITHOUT_SLASH],
        answered: WITH_SLASH,
        revokedAs: WITHOUT_SLASH,
        by,
      });
      expectFailure(outcome, 'token_inactive');
      expect(calls).toBe(1);
    });

    it(`by ${by}: reaches a cached answer stating the issuer without it`, async () => {
      const { outcome, calls } = await cachedAnswerRevokedAs({
        configured: [WITH_SLASH, WITHOUT_SLASH],
        answered: WITHOUT_SLASH,
        revokedAs: WITH_SLASH,
        by,
      });
      expectFailure(outcome, 'token_inactive');
      expect(calls).toBe(1);
    });
  }

  it("reaches Access Management's root realm answers by either of its two issuers", async () => {
    const { outcome, calls } = await cachedAnswerRevokedAs({
      configured: ['https://am.example.com/am/oauth2', 'https://am.example.com/am/oauth2/realms/root'],
      answered: 'https://am.example.com/am/oauth2/realms/root',
      revokedAs: 'https://am.example.com/am/oauth2',
      by: 'sub',
    });
    expectFailure(outcome, 'token_inactive');
    expect(calls).toBe(1);
  });
});

describe('a revocation naming a spelling the resolver does not accept', () => {
  it('is another issuer: the cached answer of this one is served, the server not asked', async () => {
    // Only the spelling with the slash is configured: an answer stating the other would be refused, so
    // the revocation names tokens this resolver never accepts.
    const { outcome, calls } = await cachedAnswerRevokedAs({
      configured: 'https://single.example.com/',
      answered: 'https://single.example.com/',
      revokedAs: 'https://single.example.com',
      by: 'sub',
    });
    expectSuccess(outcome);
    expect(calls).toBe(0);
  });
});
