import { generateSigningKey, jwksOf, mintToken } from '@rs/testkit';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  hybridResolver,
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  type RevocationList,
  revocationList,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { LATER, REVOKED_AT, storeWithFailingDeletions } from '../cache/failing-deletions-setup.js';
import { AUDIENCE, expectConfigError, expectFailure, expectSuccess, NOW_MS, resolveAt } from '../helpers.js';
import { type StandInServer, startStandInServer } from '../stand-in-authorization-server.js';

// The spellings an introspection resolver is given together reach, through a revocation naming one of
// them, the cached answers stating another: those of the cache wrapping that resolver, and no other. Two
// resource servers in one process (two APIs, or two tests) given different spelling lists for one
// authorization server keep their own: what one accepts as one issuer never widens the other's
// revocations, whichever was built first.

const servers: StandInServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

const ROOT = 'https://am.example.com/am/oauth2';
const ROOT_WITH_SLASH = `${ROOT}/`;
const ROOT_REALM = `${ROOT}/realms/root`;

/** The resolver a resource server is given around the introspection resolver, which states its issuer. */
type Wrap = (introspection: AccessTokenResolver) => AccessTokenResolver;

/**
 * One resource server: an endpoint answering every token active for alice and stating `answered`, and a
 * token cache over an introspection resolver given `configured` (wrapped by `wrap`), with a revocation
 * list of its own, in a store whose deletions fail while a revocation is made (a shared store in an
 * outage): only the list's markers then keep the cached answer from being served.
 */
async function resourceServer(configured: string | readonly string[], answered: string, wrap?: Wrap) {
  const revokedAtServer = new Set<string>();
  const server = await startStandInServer(({ form }) => ({
    json: revokedAtServer.has(form.get('token') ?? '')
      ? { active: false }
      : { active: true, iss: answered, sub: 'alice', exp: NOW_MS / 1000 + 300, iat: NOW_MS / 1000 },
  }));
  servers.push(server);
  const store = storeWithFailingDeletions();
  const list = revocationList({ clock: () => REVOKED_AT });
  const introspection = introspectionResolver({
    endpoint: server.introspectionEndpoint,
    issuer: configured,
    acceptAnyAudience: true,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
  });
  const cache = tokenCache(wrap === undefined ? introspection : wrap(introspection), {
    store,
    revocations: list,
  });
  const token = 'opaque-token-of-alice';
  expectSuccess(await resolveAt(cache, token, NOW_MS));
  return {
    /** Revokes alice's tokens of `issuer`; the endpoint then calls the token inactive too. */
    async revokeAliceOf(issuer: string) {
      const callsBefore = server.requests.length;
      store.failing = true;
      await revokeAlice(list, issuer);
      store.failing = false;
      revokedAtServer.add(token);
      const outcome = await resolveAt(cache, token, LATER);
      return { outcome, calls: server.requests.length - callsBefore };
    },
  };
}

function revokeAlice(list: RevocationList, issuer: string): Promise<void> {
  return list.revoke({ by: 'sub', value: 'alice', issuer });
}

describe('two resource servers in one process, given different spellings of one issuer', () => {
  it("a revocation in the one given a single spelling does not reach through the other's list", async () => {
    // Built first, the resource server accepting both spellings as one issuer.
    const both = await resourceServer([ROOT, ROOT_WITH_SLASH], ROOT_WITH_SLASH);
    const single = await resourceServer(ROOT_WITH_SLASH, ROOT_WITH_SLASH);
    // Its resolver would refuse an answer stating the other spelling: the revocation names other tokens.
    const alone = await single.revokeAliceOf(ROOT);
    expectSuccess(alone.outcome);
    expect(alone.calls).toBe(0);
    // The one accepting both is reached as before.
    const reached = await both.revokeAliceOf(ROOT);
    expectFailure(reached.outcome, 'token_inactive');
    expect(reached.calls).toBe(1);
  });

  it('each keeps to its own list when both are given several, overlapping ones', async () => {
    const withSlash = await resourceServer([ROOT, ROOT_WITH_SLASH], ROOT);
    const withRealm = await resourceServer([ROOT, ROOT_REALM], ROOT);
    // `withSlash` does not accept the realm's spelling, nor `withRealm` the one with a slash.
    expectSuccess((await withSlash.revokeAliceOf(ROOT_REALM)).outcome);
    expectSuccess((await withRealm.revokeAliceOf(ROOT_WITH_SLASH)).outcome);
    expectFailure((await withSlash.revokeAliceOf(ROOT_WITH_SLASH)).outcome, 'token_inactive');
    expectFailure((await withRealm.revokeAliceOf(ROOT_REALM)).outcome, 'token_inactive');
  });
});

describe('a JWT resolver beside a resource server whose introspection resolver is given several spellings', () => {
  it('refuses by the issuer its revocation names exactly, as it compares iss', async () => {
    const beside = await resourceServer([ROOT, ROOT_REALM], ROOT_REALM);
    const key = await generateSigningKey('ES256', 'k1');
    const list = revocationList({ clock: () => REVOKED_AT });
    const jwt = jwtResolver({
      issuer: ROOT,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      revocations: list,
    });
    const token = await mintToken(
      key,
      { issuer: ROOT, audience: AUDIENCE, now: NOW_MS / 1000 },
      { sub: 'alice' },
    );
    await revokeAlice(list, ROOT_REALM);
    expectSuccess(await resolveAt(jwt, token, LATER));
    await revokeAlice(list, ROOT);
    expectFailure(await resolveAt(jwt, token, LATER), 'token_revoked');
    // The other resource server is reached as its resolver accepts.
    expectFailure((await beside.revokeAliceOf(ROOT)).outcome, 'token_inactive');
  });
});

describe('a resolver wrapping the introspection resolver states its spellings to the cache', () => {
  async function jwtPart(): Promise<AccessTokenResolver> {
    const key = await generateSigningKey('ES256', 'k1');
    return jwtResolver({ issuer: ROOT, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  }

  it('hybridResolver', async () => {
    const jwt = await jwtPart();
    const rs = await resourceServer([ROOT, ROOT_REALM], ROOT_REALM, (opaque) =>
      hybridResolver({ jwt, opaque }),
    );
    const { outcome, calls } = await rs.revokeAliceOf(ROOT);
    expectFailure(outcome, 'token_inactive');
    expect(calls).toBe(1);
  });

  it('issuerRouter, for the tokens that do not name their issuer', async () => {
    const jwt = await jwtPart();
    const rs = await resourceServer([ROOT, ROOT_REALM], ROOT_REALM, (opaque) =>
      issuerRouter({ issuers: { [ROOT]: jwt }, unidentified: opaque }),
    );
    const { outcome, calls } = await rs.revokeAliceOf(ROOT);
    expectFailure(outcome, 'token_inactive');
    expect(calls).toBe(1);
  });

  it('tokenCache, as any resolver wrapping another does', () => {
    const introspection = introspectionResolver({
      endpoint: 'https://am.example.com/am/oauth2/introspect',
      issuer: [ROOT, ROOT_REALM],
      acceptAnyAudience: true,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    });
    expect(introspection.issuerSpellings).toEqual([[ROOT, ROOT_REALM]]);
    expect(tokenCache(introspection).issuerSpellings).toEqual([[ROOT, ROOT_REALM]]);
  });
});

describe('spellings a resolver of your own states', () => {
  it('are refused at start-up when they are no lists of strings', () => {
    for (const issuerSpellings of ['https://as.example.com', [['https://as.example.com', 1]], [{}]]) {
      const resolver = {
        cacheNamespace: 'own',
        issuerSpellings,
        resolve: () => Promise.reject(new Error('not asked')),
      } as unknown as AccessTokenResolver;
      expectConfigError(() => tokenCache(resolver), 'tokenCache.resolver.issuerSpellings');
    }
  });
});
