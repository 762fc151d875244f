import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  introspectionResolver,
  jwtResolver,
  type Outcome,
  revocationList,
  staticJwks,
  type TokenInfo,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import {
  AUDIENCE,
  expectConfigError,
  expectFailure,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';
import { LATER, REVOKED_AT, storeWithFailingDeletions } from './failing-deletions-setup.js';

// A stored answer a revocation list names is not served, and its token is asked for again. When its
// deletion keeps failing (a shared store down for writes), every request reads it again: those requests
// must share the call under way, not discard each other's, or the token is answered 503 for as long as
// the deletions fail. And the cache's own check refuses nothing: only the resolver's refusal is counted.

async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) await new Promise<void>((resolve) => setImmediate(resolve));
  expect(condition()).toBe(true);
}

async function ticks(count: number): Promise<void> {
  for (let i = 0; i < count; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

describe('tokenCache: requests reading a stored answer a revocation list names', () => {
  // An introspection endpoint on 127.0.0.1 that holds each answer while `holding`.
  let server: Server;
  let endpoint: string;
  let received = 0;
  let holding = false;
  const held: (() => void)[] = [];
  beforeAll(async () => {
    server = createServer((request, response) => {
      request.resume();
      request.on('end', () => {
        received++;
        const answer = () =>
          response
            .writeHead(200, { 'content-type': 'application/json' })
            .end(JSON.stringify({ active: true, iss: ISSUER, sub: 'alice', exp: NOW_S + 300, iat: NOW_S }));
        if (holding) held.push(answer);
        else answer();
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`;
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );

  it('share one call to the authorization server while the deletion keeps failing, and all get its answer', async () => {
    const store = storeWithFailingDeletions();
    const list = revocationList({ clock: () => REVOKED_AT });
    const cache = tokenCache(
      introspectionResolver({
        endpoint,
        issuer: ISSUER,
        acceptAnyAudience: true,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      }),
      { store, revocations: list },
    );
    const token = 'opaque-token-of-alice';
    expect((await resolveAt(cache, token, NOW_MS)).ok).toBe(true);
    // The revocation's deletion fails: the answer stored before it stays in the store.
    store.failing = true;
    await list.revoke({ by: 'sub', value: 'alice' });
    received = 0;
    holding = true;

    const first = resolveAt(cache, token, LATER);
    await until(() => received === 1);
    // Each of these reads the stale answer too (its deletion fails again), and waits for the same call.
    const others = Array.from({ length: 4 }, () => resolveAt(cache, token, LATER));
    await ticks(50);
    expect(received).toBe(1);

    holding = false;
    for (const answer of held.splice(0)) answer();
    const outcomes: Outcome<TokenInfo>[] = await Promise.all([first, ...others]);
    expect(outcomes.map((outcome) => (outcome.ok ? 'accepted' : outcome.failure.code))).toEqual(
      Array(5).fill('accepted'),
    );
    expect(received).toBe(1);
    // The answer given after the revocation is kept, and served.
    expect((await resolveAt(cache, token, LATER + 1)).ok).toBe(true);
    expect(received).toBe(1);
    expect(list.stats().refused).toBe(0);
  });

  it("counts a revoked JWT whose stale answer is read once in the list's refused, as the resolver refuses it", async () => {
    const key = await generateSigningKey('ES256', 'k1');
    const list = revocationList({ clock: () => REVOKED_AT });
    const jwt = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      revocations: list,
    });
    const store = storeWithFailingDeletions();
    const cache = tokenCache(jwt, { store });
    const token = await mint(key, { sub: 'alice' });
    expect((await resolveAt(cache, token, NOW_MS)).ok).toBe(true);
    store.failing = true;
    await list.revoke({ by: 'sub', value: 'alice' });
    store.failing = false;
    expectFailure(await resolveAt(cache, token, LATER), 'token_revoked');
    expect(list.stats().refused).toBe(1);
  });
});

describe("tokenCache: an answer another instance stored before a revocation, by a clock ahead of the list's", () => {
  it('is not served: the authorization server is asked again', async () => {
    let active = true;
    let asked = 0;
    const authorizationServer = {
      cacheNamespace: 'clock-skew-authorization-server',
      resolve: async (): Promise<Outcome<TokenInfo>> => {
        asked++;
        return active
          ? {
              ok: true,
              value: tokenInfoFromClaims(
                { iss: ISSUER, sub: 'alice', exp: NOW_S + 300, iat: NOW_S },
                'introspection',
              ),
            }
          : { ok: false, failure: { code: 'token_inactive', description: 'The token is not active' } };
      },
    };
    const store = storeWithFailingDeletions();
    const list = revocationList({ clock: () => REVOKED_AT });
    const informed = tokenCache(authorizationServer, { store, revocations: list });
    // Its clock is 3 s ahead: it stores the answer a second before the revocation, dated 2 s after it.
    const ahead = tokenCache(authorizationServer, { store });
    expect((await resolveAt(ahead, 'opaque-token', REVOKED_AT + 2_000)).ok).toBe(true);
    store.failing = true;
    await list.revoke({ by: 'sub', value: 'alice' });
    store.failing = false;
    active = false;
    expectFailure(await resolveAt(informed, 'opaque-token', REVOKED_AT + 1_000), 'token_inactive');
    expect(asked).toBe(2);
  });
});

describe('tokenCache: a revocation list lacking what the cache asks of it', () => {
  // Each hit is checked against the list's markers: a list with only `revoke` and `attach` would throw
  // at every cache hit. It is refused at start-up, given as an option or reported by the resolver.
  const partialList = { revoke: async () => undefined, attach: () => () => true } as never;
  const resolver = {
    cacheNamespace: 'custom',
    resolve: (): never => {
      throw new Error('not asked: the cache is refused before any request');
    },
  };

  it('is refused as the revocations option', () => {
    expectConfigError(() => tokenCache(resolver, { revocations: partialList }), 'tokenCache.revocations');
  });

  it("is refused among the resolver's revocation lists", () => {
    expectConfigError(
      () => tokenCache({ ...resolver, revocationLists: [partialList] }),
      'tokenCache.resolver.revocationLists',
    );
  });
  it('is refused by jwtResolver, which asks it needsTokenHash at every token', async () => {
    const key = await generateSigningKey('ES256');
    const withoutTokenHash = { refuses: () => false, attach: () => () => true } as never;
    expectConfigError(
      () =>
        jwtResolver({
          issuer: 'https://as.example.com',
          audience: 'https://api.example.com',
          keys: staticJwks(jwksOf(key)),
          revocations: withoutTokenHash,
        }),
      'jwtResolver.revocations',
    );
  });
});
