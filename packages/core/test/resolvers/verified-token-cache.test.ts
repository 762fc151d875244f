// The JWT resolver's verified-token cache: a repeated token skips the signature check, and nothing else.
import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createResourceServer, jwtResolver, remoteJwks, staticJwks } from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';

let key: TestSigningKey;
let next: TestSigningKey;
let server: JwksServer;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  next = await generateSigningKey('ES256', 'k2');
  server = await startJwksServer(jwksOf(key));
});
afterAll(() => server.close());
afterEach(() => {
  vi.restoreAllMocks();
});

/** Counts WebCrypto signature checks: the portable path verifies through `crypto.subtle.verify`. */
function countVerifications(): { readonly count: number } {
  const spy = vi.spyOn(crypto.subtle, 'verify');
  return {
    get count() {
      return spy.mock.calls.length;
    },
  };
}

function cachedResolver(keys = staticJwks(jwksOf(key))) {
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys,
    signatureVerifier: 'portable',
    verifiedTokenCache: { maxEntries: 100 },
  });
}

describe('a repeated token', () => {
  it('is verified once, then answered from the cache with the same token info', async () => {
    const resolver = cachedResolver();
    const token = await mint(key);
    const verifications = countVerifications();
    const first = expectSuccess(await resolveAt(resolver, token));
    const second = expectSuccess(await resolveAt(resolver, token));
    expect(verifications.count).toBe(1);
    expect(second).toEqual(first);
  });

  it('is verified every time without the option', async () => {
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      signatureVerifier: 'portable',
    });
    const token = await mint(key);
    const verifications = countVerifications();
    for (let i = 0; i < 3; i++) expectSuccess(await resolveAt(resolver, token));
    expect(verifications.count).toBe(3);
  });

  it('is refused once expired, with the skew the resolver allows, however often it was seen', async () => {
    const resolver = cachedResolver();
    const token = await mint(key, { exp: NOW_S + 60 });
    expectSuccess(await resolveAt(resolver, token));
    expectSuccess(await resolveAt(resolver, token, NOW_MS + 59_000));
    expectFailure(await resolveAt(resolver, token, NOW_MS + 60_000), 'token_expired');
    // Expired entries are dropped, not revived by an earlier clock.
    const verifications = countVerifications();
    expectSuccess(await resolveAt(resolver, token));
    expect(verifications.count).toBe(1);
  });

  it('is verified again, and refused, once the key that verified it left the key set', async () => {
    server.setDocument(jwksOf(key));
    const keys = remoteJwks({ url: server.url, cacheMaxAge: 1_000, minFetchInterval: 0 });
    const resolver = cachedResolver(keys);
    const token = await mint(key);
    expectSuccess(await resolveAt(resolver, token));
    expectSuccess(await resolveAt(resolver, token, NOW_MS + 500));

    server.setDocument(jwksOf(next));
    // The held set is now stale: requests are answered from it while it is fetched anew in the background.
    await resolveAt(resolver, token, NOW_MS + 2_000);
    await vi.waitFor(async () => {
      expect((await resolveAt(resolver, token, NOW_MS + 2_000)).ok).toBe(false);
    });
    const verifications = countVerifications();
    expectFailure(await resolveAt(resolver, token, NOW_MS + 2_000), 'unknown_key');
    expect(verifications.count).toBe(0);
    expectSuccess(await resolveAt(resolver, await mint(next), NOW_MS + 2_000));
  });

  it('is never shared between two resolvers (another audience refuses it)', async () => {
    const token = await mint(key);
    expectSuccess(await resolveAt(cachedResolver(), token));
    const other = jwtResolver({
      issuer: ISSUER,
      audience: 'https://other.example.com',
      keys: staticJwks(jwksOf(key)),
      verifiedTokenCache: {},
    });
    expectFailure(await resolveAt(other, token), 'audience_mismatch');
  });

  it('still goes through confirmation and policy on every request', async () => {
    const rs = createResourceServer({
      resolver: cachedResolver(),
      clock: () => NOW_MS,
      policy: { scopes: ['read'] },
    });
    const plain = await mint(key);
    expectAccepted(await rs.authenticate(bearerRequest(plain)));
    expectAccepted(await rs.authenticate(bearerRequest(plain)));
    expectRejected(await rs.authenticate(bearerRequest(plain), { scopes: ['admin'] }), 'insufficient_scope');

    const bound = await mint(key, { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' } });
    expectRejected(await rs.authenticate(bearerRequest(bound)), 'certificate_missing');
    expectRejected(await rs.authenticate(bearerRequest(bound)), 'certificate_missing');
  });

  it('is recalled by the resource server before any other work, with the answer resolve gives', async () => {
    const resolver = cachedResolver();
    const resolve = vi.spyOn(resolver, 'resolve');
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    const token = await mint(key, { exp: NOW_S + 60 });
    const first = expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(resolve).toHaveBeenCalledTimes(1);
    const verifications = countVerifications();
    const second = expectAccepted(
      await rs.authenticate(bearerRequest(token, { headers: { authorization: `bearer   ${token}` } })),
    );
    expect(resolve).toHaveBeenCalledTimes(1);
    expect(verifications.count).toBe(0);
    expect(second).toEqual(first);
    expect(second.token).toBe(token);
    // The claims are still checked on a recall.
    const late = createResourceServer({ resolver, clock: () => NOW_MS + 60_000 });
    expectRejected(await late.authenticate(bearerRequest(token)), 'token_expired');
  });

  it('is not recalled when the request could not have carried it alone, or was malformed', async () => {
    const resolver = cachedResolver();
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    const token = await mint(key);
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    // Still refused as extraction refuses them, though the token is remembered.
    expectRejected(
      await rs.authenticate(
        bearerRequest(token, { headers: { authorization: [`Bearer ${token}`, `Bearer ${token}`] } }),
      ),
      'malformed_authorization',
      400,
    );
    expectRejected(
      await rs.authenticate(bearerRequest(token, { headers: { authorization: `Bearer ${token} x` } })),
      'malformed_authorization',
      400,
    );
    const withQuery = createResourceServer({
      resolver,
      clock: () => NOW_MS,
      tokenLocations: { query: true },
    });
    expectRejected(
      await withQuery.authenticate(
        bearerRequest(token, { url: `https://api.example.com/r?access_token=${token}` }),
      ),
      'multiple_token_methods',
      400,
    );
    // The confirm stage still runs: a route that takes certificate-bound tokens only refuses it.
    expectRejected(
      await rs.authenticate(bearerRequest(token), { requireSenderConstrained: 'mtls' }),
      'sender_constraint_required',
    );
  });

  it('is keyed by the whole token: a tampered copy is verified, and refused', async () => {
    const resolver = cachedResolver();
    const token = await mint(key);
    expectSuccess(await resolveAt(resolver, token));
    const tampered = `${token.slice(0, -2)}${token.endsWith('AA') ? 'BA' : 'AA'}`;
    const outcome = await resolveAt(resolver, tampered);
    expect(outcome.ok).toBe(false);
  });

  it('refuses a bad size at start-up', () => {
    expect(() =>
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks(jwksOf(key)),
        verifiedTokenCache: { maxEntries: 0 },
      }),
    ).toThrow(/jwtResolver\.verifiedTokenCache\.maxEntries/);
  });
});

describe('maxEntries', () => {
  it('is at most 10 000 000: a larger bound is no bound', async () => {
    const withCache = (maxEntries: number) =>
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        keys: staticJwks(jwksOf(key)),
        verifiedTokenCache: { maxEntries },
      });
    for (const maxEntries of [0, 1.5, 10_000_001, 1e15]) {
      const error = expectConfigError(
        () => withCache(maxEntries),
        'jwtResolver.verifiedTokenCache.maxEntries',
      );
      expect(error.problem).toBe('must be a whole number of entries from 1 to 10000000');
    }
    // At the ceiling, a resource server still accepts a valid token, twice.
    const rs = createResourceServer({ resolver: withCache(10_000_000), clock: () => NOW_MS });
    const token = await mint(key);
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expectAccepted(await rs.authenticate(bearerRequest(token)));
  });
});
