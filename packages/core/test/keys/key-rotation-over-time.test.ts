// Key rotation as an authorization server performs it, over time, on a JWK set served over loopback HTTP
// with real keys: what the set publishes, the resolver and its verified-token cache follow, at the latest
// at the next refresh. The request clock is injected (`now`); only the fetches themselves take real time.
import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  startJwksServer,
  startTestAuthorizationServer,
  type TestAuthorizationServer,
  type TestSigningKey,
} from '@rs/testkit';
import type { JWK } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  jwtResolver,
  type RemoteJwks,
  type RemoteJwksOptions,
  remoteJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  expectFailure,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
  withKid,
} from '../helpers.js';
import { eventually } from '../remote-jwks-setup.js';

const CACHE_MAX_AGE = 60_000;
/** A day of validity: every token outlives every rotation below. */
const LONG_LIVED = { exp: NOW_S + 86_400 };

let current: TestSigningKey;
let next: TestSigningKey;
let spare: TestSigningKey;
const servers: JwksServer[] = [];

beforeAll(async () => {
  [current, next, spare] = await Promise.all([
    generateSigningKey('ES256', 'current'),
    generateSigningKey('ES256', 'next'),
    generateSigningKey('ES256', 'spare'),
  ]);
});
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

interface Rotation {
  readonly server: JwksServer;
  readonly keys: RemoteJwks;
  readonly resolver: AccessTokenResolver;
}

/** A set served on loopback, read with `cacheMaxAge` of a minute, by a resolver remembering tokens. */
async function rotation(document: unknown, options: Partial<RemoteJwksOptions> = {}): Promise<Rotation> {
  const server = await startJwksServer(document);
  servers.push(server);
  const keys = remoteJwks({
    url: server.url,
    cacheMaxAge: CACHE_MAX_AGE,
    onFetchError: () => {},
    ...options,
  });
  const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys, verifiedTokenCache: {} });
  return { server, keys, resolver };
}

/**
 * Makes the held set due a refresh at `now` with a token it answers, and waits for that background
 * refresh to end (however it ended).
 */
async function refreshAt({ keys, resolver }: Rotation, token: string, now: number): Promise<void> {
  const { fetches, failures } = keys.stats();
  await resolveAt(resolver, token, now);
  await eventually(() => expect(keys.stats().fetches).toBe(fetches + 1));
  // The fetch is counted when it starts: its end shows in the fetch time or the failure count.
  await eventually(() => {
    const fetchedNow = keys.health(now)[0]!.lastFetchAt === now;
    expect(fetchedNow || keys.stats().failures > failures).toBe(true);
  });
}

/** The same key's public JWK with other members. */
function republished(key: TestSigningKey, members: Partial<JWK>): JWK {
  return { ...key.publicJwk, ...members };
}

describe('a key set rotating over time', () => {
  it('accepts a newly published kid at once, and refuses a removed key from the next refresh, remembered or not', async () => {
    const set = await rotation(jwksOf(current));
    const old = await mint(current, LONG_LIVED);
    expectSuccess(await resolveAt(set.resolver, old));
    expectSuccess(await resolveAt(set.resolver, old, NOW_MS + 1_000));

    // Published, then used: the token carrying the new kid causes the fetch that finds it.
    set.server.setDocument(jwksOf(current, next));
    expectSuccess(await resolveAt(set.resolver, await mint(next, LONG_LIVED), NOW_MS + 10_000));

    // The old key withdrawn (compromise): remembered or not, its tokens go at the next refresh.
    set.server.setDocument(jwksOf(next));
    const later = NOW_MS + 10_000 + CACHE_MAX_AGE;
    await refreshAt(set, old, later);
    expectFailure(await resolveAt(set.resolver, old, later), 'unknown_key');
    expectFailure(await resolveAt(set.resolver, await mint(current, LONG_LIVED), later), 'unknown_key');
  });

  it('refuses tokens of the old material once a key is replaced under the same kid, remembered or not', async () => {
    const set = await rotation(jwksOf(current));
    const old = await mint(current, LONG_LIVED);
    expectSuccess(await resolveAt(set.resolver, old));
    expectSuccess(await resolveAt(set.resolver, old));

    const replacement = withKid(next, current.kid);
    set.server.setDocument(jwksOf(replacement));
    const later = NOW_MS + CACHE_MAX_AGE;
    await refreshAt(set, old, later);
    expectFailure(await resolveAt(set.resolver, old, later), 'signature_invalid');
    expectSuccess(await resolveAt(set.resolver, await mint(replacement, LONG_LIVED), later));
  });

  it.each([
    ['moved to encryption ("use": "enc")', { use: 'enc' }],
    ['whose key_ops no longer allow verify', { use: undefined, key_ops: ['encrypt'] }],
    ['whose alg changed to another algorithm', { alg: 'ES384' }],
  ])('refuses a key %s, remembered or not', async (_, members) => {
    const set = await rotation(jwksOf(current, spare));
    const old = await mint(current, LONG_LIVED);
    expectSuccess(await resolveAt(set.resolver, old));
    expectSuccess(await resolveAt(set.resolver, old));

    set.server.setDocument({ keys: [republished(current, members as Partial<JWK>), spare.publicJwk] });
    const later = NOW_MS + CACHE_MAX_AGE;
    await refreshAt(set, old, later);
    expectFailure(await resolveAt(set.resolver, old, later), 'unknown_key');
    expectSuccess(await resolveAt(set.resolver, await mint(spare, LONG_LIVED), later));
  });

  it.each([
    ['an empty set', () => ({ keys: [] })],
    ['a set of encryption keys only', () => ({ keys: [republished(current, { use: 'enc' })] })],
  ])('keeps the last good keys, as documented, while the endpoint serves %s', async (_, published) => {
    const set = await rotation(jwksOf(current));
    const old = await mint(current, LONG_LIVED);
    expectSuccess(await resolveAt(set.resolver, old));

    set.server.setDocument(published());
    const later = NOW_MS + CACHE_MAX_AGE;
    await refreshAt(set, old, later);
    expect(set.keys.stats().failures).toBe(1);
    expectSuccess(await resolveAt(set.resolver, old, later));
    // The next good publication ends it, at the next attempt (retryDelay after the failure).
    set.server.setDocument(jwksOf(next));
    await refreshAt(set, old, later + 2_000);
    expectFailure(await resolveAt(set.resolver, old, later + 2_000), 'unknown_key');
  });

  it('bounds the fetches forged kids cause by the budget, also on a set due a refresh', async () => {
    const set = await rotation(jwksOf(current), { minFetchInterval: 5_000, unknownKidFetchesPerMinute: 6 });
    expectSuccess(await resolveAt(set.resolver, await mint(current, LONG_LIVED)));
    const forged = await Promise.all(
      Array.from({ length: 120 }, (_, i) => mint(withKid(current, `forged-${i}`), LONG_LIVED)),
    );
    // Two minutes of a forged kid every second, across a refresh falling due.
    for (const [i, token] of forged.entries()) {
      expectFailure(await resolveAt(set.resolver, token, NOW_MS + (i + 1) * 1_000), 'unknown_key');
    }
    // The first fetch, 6 a minute for the forged kids, and the refresh cacheMaxAge asks for at most.
    expect(set.server.requests).toBeLessThanOrEqual(1 + 12 + 1);
  });

  it('follows a rotation for tokens without kid, trying at most three keys', async () => {
    const kidless = (key: TestSigningKey): TestSigningKey => ({
      ...key,
      kid: undefined as unknown as string,
      publicJwk: { ...key.publicJwk, kid: undefined },
    });
    const [a, b, c, d] = [current, next, spare, await generateSigningKey('ES256')].map(kidless);
    const set = await rotation(jwksOf(a!, b!));
    const old = await mint(a!, LONG_LIVED);
    expectSuccess(await resolveAt(set.resolver, old));
    expectSuccess(await resolveAt(set.resolver, old));

    // Three newer keys published ahead of it: the old key is the fourth, never tried.
    set.server.setDocument(jwksOf(b!, c!, d!, a!));
    const later = NOW_MS + CACHE_MAX_AGE;
    await refreshAt(set, old, later);
    expectFailure(await resolveAt(set.resolver, old, later), 'signature_invalid');
    expectSuccess(await resolveAt(set.resolver, await mint(d!, LONG_LIVED), later));
  });

  it('refreshes a hydrated old set at its first use, and the key it lacks no longer verifies', async () => {
    // A saved set may be older than any rotation since: its age cannot be told, so it is due a refresh.
    const set = await rotation(jwksOf(next));
    set.keys.hydrate(jwksOf(current, next));
    const old = await mint(current, LONG_LIVED);
    // Answered from the hydrated set, which the same request starts refreshing in the background.
    await refreshAt(set, old, NOW_MS);
    expect(set.server.requests).toBe(1);
    expectFailure(await resolveAt(set.resolver, old, NOW_MS + 1), 'unknown_key');
    expect(set.keys.export()).toEqual(jwksOf(next));
  });
});

describe('a real authorization server rotating its signing keys', () => {
  // Two oidc-providers: the keys of the first are the ones being retired, those of the second the ones
  // taking over. The set the resource server reads is served on loopback, published as a server rotating
  // its keys publishes it: the new keys beside the old, then the new alone.
  let retiring: TestAuthorizationServer;
  let takingOver: TestAuthorizationServer;
  beforeAll(async () => {
    [retiring, takingOver] = await Promise.all([
      startTestAuthorizationServer(),
      startTestAuthorizationServer(),
    ]);
  });
  afterAll(async () => {
    await Promise.all([retiring.close(), takingOver.close()]);
  });

  async function keysOf(as: TestAuthorizationServer): Promise<JWK[]> {
    const response = await fetch(as.jwksUri);
    return ((await response.json()) as { keys: JWK[] }).keys;
  }

  it('accepts the new keys at their first token and refuses the retired ones from the next refresh', async () => {
    const [old, renewed] = await Promise.all([keysOf(retiring), keysOf(takingOver)]);
    const server = await startJwksServer({ keys: old });
    servers.push(server);
    const keys = remoteJwks({ url: server.url, cacheMaxAge: CACHE_MAX_AGE, onFetchError: () => {} });
    const resolver = jwtResolver({
      issuer: [retiring.issuer, takingOver.issuer],
      audience: retiring.resources.jwt,
      keys,
      verifiedTokenCache: {},
    });
    const set: Rotation = { server, keys, resolver };
    const start = Date.now();
    const retired = await retiring.issueToken({ resource: retiring.resources.jwt });
    expectSuccess(await resolveAt(resolver, retired, start));
    expectSuccess(await resolveAt(resolver, retired, start));

    server.setDocument({ keys: [...renewed, ...old] });
    const current = await takingOver.issueToken({ resource: takingOver.resources.jwt });
    expectSuccess(await resolveAt(resolver, current, start + 10_000));
    expectSuccess(await resolveAt(resolver, retired, start + 10_000));

    server.setDocument({ keys: renewed });
    const later = start + 10_000 + CACHE_MAX_AGE;
    await refreshAt(set, retired, later);
    expectFailure(await resolveAt(resolver, retired, later), 'unknown_key');
    expectSuccess(await resolveAt(resolver, current, later));
    expect(server.requests).toBe(3);
  });
});
