import {
  ecdsaTwin,
  generateSigningKey,
  type HeldIntrospectionEndpoint,
  jwksOf,
  startHeldIntrospectionEndpoint,
  type TestSigningKey,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { revocationLogSize } from '../../src/cache/token-cache.js';
import {
  type AccessTokenResolver,
  createResourceServer,
  introspectionResolver,
  jwtResolver,
  type Outcome,
  type RevocationList,
  revocationList,
  staticJwks,
  type TokenCache,
  type TokenInfo,
  tokenCache,
  tokenInfoFromClaims,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';

// A revocation that has completed is final for every answer asked for before it: neither the request
// that began the call nor those waiting for it get that answer; they ask again, with one call.

/**
 * Yields to the event loop until `condition` holds: how many turns the cache takes to reach a point
 * (hashing, HTTP) is not fixed. Bounded by five seconds of wall time; no fixed sleep.
 */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}

describe('tokenCache: a revocation during a call to the authorization server', () => {
  let as: HeldIntrospectionEndpoint;
  beforeAll(async () => {
    as = await startHeldIntrospectionEndpoint((token) => ({
      active: true,
      sub: `sub-${token}`,
      jti: `jti-${token}`,
      client_id: 'client-1',
      scope: 'read',
      aud: AUDIENCE,
      exp: Math.floor(Date.now() / 1000) + 600,
    }));
  });
  afterAll(() => as.close());

  function cachedIntrospection(): { cache: TokenCache; list: RevocationList } {
    const list = revocationList();
    const resolver = introspectionResolver({
      endpoint: as.endpoint,
      audience: AUDIENCE,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 's3cret-s3cret' },
    });
    return { cache: tokenCache(resolver, { ttl: 60_000, revocations: list }), list };
  }

  const revocations: [string, (cache: TokenCache, list: RevocationList, token: string) => Promise<void>][] = [
    ['cache.evict(token)', (cache, _list, token) => cache.evict(token)],
    ['cache.clear()', (cache) => cache.clear()],
    ['cache.revoke by subject', (cache, _list, token) => cache.revoke({ by: 'sub', value: `sub-${token}` })],
    ['revocation list by token', (_cache, list, token) => list.revoke({ by: 'token', value: token })],
    [
      'revocation list by subject',
      (_cache, list, token) => list.revoke({ by: 'sub', value: `sub-${token}` }),
    ],
    ['revocation list by jti', (_cache, list, token) => list.revoke({ by: 'jti', value: `jti-${token}` })],
    ['revocation list eviction by client', (_cache, list) => list.evict({ by: 'client', value: 'client-1' })],
  ];

  it.each(revocations)('%s: no request gets the answer asked for before it', async (name, revoke) => {
    const { cache, list } = cachedIntrospection();
    const rs = createResourceServer({ resolver: cache });
    const token = `token-${name.replace(/\W+/g, '-')}`;
    const before = as.calls;
    as.holding = true;
    const started = rs.authenticate(bearerRequest(token));
    await until(() => as.calls === before + 1);
    const joined = rs.authenticate(bearerRequest(token));
    await until(() => cache.stats().coalesced === 1);

    // The server has decided "active" for the call under way; the token is revoked, there and here.
    as.revoked.add(token);
    await revoke(cache, list, token);
    as.holding = false;
    const after = rs.authenticate(bearerRequest(token));
    // It makes a call of its own (the revocation forgot the one under way), or joins the one under way
    // (a revocation by claim: the answer is checked when it comes).
    await until(() => as.calls === before + 2 || cache.stats().coalesced === 2);
    as.release();

    for (const result of await Promise.all([started, joined, after]))
      expectRejected(result, 'token_inactive');
    // One call before the revocation, one after it shared by all three requests.
    expect(as.calls - before).toBe(2);
    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_inactive');
    expect(as.calls - before).toBe(2);
  });

  it('hands out, and keeps, an answer that a revocation by claim made meanwhile does not name', async () => {
    const { cache, list } = cachedIntrospection();
    const rs = createResourceServer({ resolver: cache });
    const before = as.calls;
    as.holding = true;
    const started = rs.authenticate(bearerRequest('token-of-bob'));
    await until(() => as.calls === before + 1);
    await list.revoke({ by: 'sub', value: 'sub-someone-else' });
    const joined = rs.authenticate(bearerRequest('token-of-bob'));
    await until(() => cache.stats().coalesced === 1);
    as.release();
    as.holding = false;

    expect(expectAccepted(await started).subject).toBe('sub-token-of-bob');
    expectAccepted(await joined);
    expectAccepted(await rs.authenticate(bearerRequest('token-of-bob')));
    expect(as.calls - before).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, coalesced: 1, hits: 1 });
  });
});

/** Settled by the test: each call waits for it, so that calls and revocations interleave exactly. */
function gate(): { promise: Promise<void>; open(): void } {
  let open!: () => void;
  const promise = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { promise, open };
}

/**
 * A resolver that decides at once (by the real resolver it wraps, or by `answer`) and gives its answer
 * only when the test opens the call's gate: a slow network between the decision and the cache.
 */
function decidedThenHeld(
  decide: (token: string, now: number) => Outcome<TokenInfo> | Promise<Outcome<TokenInfo>>,
  cacheNamespace = 'held',
): AccessTokenResolver & { readonly gates: ReturnType<typeof gate>[] } {
  const gates: ReturnType<typeof gate>[] = [];
  return {
    cacheNamespace,
    gates,
    async resolve(token, context) {
      const outcome = await decide(token, context.now);
      const held = gate();
      gates.push(held);
      await held.promise;
      return outcome;
    },
  };
}

function active(claims: Record<string, unknown>): Outcome<TokenInfo> {
  return {
    ok: true,
    value: tokenInfoFromClaims({ active: true, scope: 'read', exp: NOW_S + 300, ...claims }, 'introspection'),
  };
}

describe('tokenCache: asking again after a revocation', () => {
  it('asks three times at most while revocations keep overtaking the answer, then answers 503', async () => {
    const inner = decidedThenHeld(() => active({ sub: 'alice' }));
    const cache = tokenCache(inner);
    const result = resolveAt(cache, 'hot-token');
    for (let call = 0; call < 3; call++) {
      await until(() => inner.gates.length === call + 1);
      await cache.clear();
      inner.gates[call]!.open();
    }
    expectFailure(await result, 'introspection_unavailable');
    expect(inner.gates).toHaveLength(3);
    // Nothing asked for before a revocation was kept: the next request asks again.
    const next = resolveAt(cache, 'hot-token');
    await until(() => inner.gates.length === 4);
    inner.gates[3]!.open();
    expect(expectSuccess(await next).subject).toBe('alice');
  });

  it('hands out a refusal asked for before a revocation by claim: revocation never lets a token in', async () => {
    const inner = decidedThenHeld(() => ({
      ok: false,
      failure: { code: 'token_inactive', description: 'inactive' },
    }));
    const cache = tokenCache(inner);
    const result = resolveAt(cache, 'junk-token');
    await until(() => inner.gates.length === 1);
    await cache.revoke({ by: 'sub', value: 'alice' });
    inner.gates[0]!.open();
    expectFailure(await result, 'token_inactive');
    expect(inner.gates).toHaveLength(1);
  });

  it('asks again for the other spelling of a token a revocation list named by itself during the call', async () => {
    const key: TestSigningKey = await generateSigningKey('ES256', 'held-key');
    const list = revocationList({ clock: () => NOW_MS - 60_000 });
    const jwt = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      revocations: list,
    });
    // The real JWT check, done before the revocation, its answer arriving after it.
    const inner = decidedThenHeld((token, now) => jwt.resolve(token, { request: bearerRequest(token), now }));
    const cache = tokenCache(inner, { revocations: list });
    const token = await mint(key, { sub: 'jo', jti: 'jti-held' });
    // The same claims under the twin ECDSA signature: another cache key, another call.
    const twin = ecdsaTwin(token);

    const result = resolveAt(cache, twin);
    await until(() => inner.gates.length === 1);
    await list.revoke({ by: 'token', value: token });
    inner.gates[0]!.open();
    await until(() => inner.gates.length === 2);
    inner.gates[1]!.open();
    expectFailure(await result, 'token_revoked');
  });
});

describe('tokenCache: the revocations made during calls are logged once, not into each call', () => {
  /** Revocations by claim, alternately through the cache and through its revocation list. */
  async function revokeOthers(
    cache: TokenCache,
    list: RevocationList,
    count: number,
    from = 0,
  ): Promise<void> {
    for (let n = from; n < from + count; n++) {
      if (n % 2 === 0) await cache.revoke({ by: 'jti', value: `someone-else-${n}` });
      else await list.revoke({ by: 'sub', value: `someone-else-${n}` });
    }
  }

  function heldCalls(): ReturnType<typeof decidedThenHeld> {
    return decidedThenHeld((token) => active({ sub: `sub-${token}`, jti: `jti-${token}` }));
  }

  it('a revocation costs one entry, whether 1 or 1000 calls are under way, and none once they end', async () => {
    const revocations = 40;
    for (const callsUnderWay of [1, 1000]) {
      const inner = heldCalls();
      const list = revocationList();
      const cache = tokenCache(inner, { revocations: list });
      const results = Array.from({ length: callsUnderWay }, (_, n) => resolveAt(cache, `token-${n}`));
      await until(() => inner.gates.length === callsUnderWay);

      await revokeOthers(cache, list, revocations);
      // Before, each revocation was written into every call under way: 1000 × 40 entries.
      expect(revocationLogSize(cache)).toBe(revocations);

      for (const held of inner.gates) held.open();
      const answers = await Promise.all(results);
      // No revocation named them: every answer is handed out, from one call each.
      expect(answers.every((answer) => answer.ok)).toBe(true);
      expect(inner.gates).toHaveLength(callsUnderWay);
      expect(revocationLogSize(cache)).toBe(0);
    }
  });

  it('keeps only what was revoked since the oldest call still under way began, each claim once', async () => {
    const inner = heldCalls();
    const list = revocationList();
    const cache = tokenCache(inner, { revocations: list });
    // Nothing under way: a revocation has no answer to overtake, and nothing is kept.
    await revokeOthers(cache, list, 5);
    expect(revocationLogSize(cache)).toBe(0);

    const first = resolveAt(cache, 'first');
    await until(() => inner.gates.length === 1);
    await revokeOthers(cache, list, 3, 100);
    const second = resolveAt(cache, 'second');
    await until(() => inner.gates.length === 2);
    await revokeOthers(cache, list, 2, 200);
    // The same claim revoked again is one entry, with the number of its latest revocation.
    await cache.revoke({ by: 'jti', value: 'someone-else-100' });
    expect(revocationLogSize(cache)).toBe(5);

    inner.gates[0]!.open();
    expectSuccess(await first);
    // The second call began after the first three revocations; of those it needs only the repeated one.
    expect(revocationLogSize(cache)).toBe(3);
    inner.gates[1]!.open();
    expectSuccess(await second);
    expect(revocationLogSize(cache)).toBe(0);
  });

  it('does not hold a revocation made before a call began against its answer, while an older call runs', async () => {
    const inner = heldCalls();
    const cache = tokenCache(inner);
    const older = resolveAt(cache, 'older');
    await until(() => inner.gates.length === 1);
    await cache.revoke({ by: 'sub', value: 'sub-newer' });
    // Asked after the revocation: the resolver's answer is current, and logged revocations do not name it.
    const newer = resolveAt(cache, 'newer');
    await until(() => inner.gates.length === 2);
    inner.gates[1]!.open();
    expect(expectSuccess(await newer).subject).toBe('sub-newer');
    inner.gates[0]!.open();
    expectSuccess(await older);
    expect(inner.gates).toHaveLength(2);
  });

  it('past 10 000 claims revoked during one call, stays bounded and asks that call again', async () => {
    const inner = heldCalls();
    const list = revocationList();
    const cache = tokenCache(inner, { revocations: list });
    const hung = resolveAt(cache, 'hung');
    await until(() => inner.gates.length === 1);

    await revokeOthers(cache, list, 10_001);
    expect(revocationLogSize(cache)).toBe(10_000);
    // The oldest revocation left the log: the call that began before it is forgotten, as by clear(), so
    // that the bound never lets through an answer a dropped revocation might have named. Its answer is
    // handed to no one: the request asks again.
    inner.gates[0]!.open();
    await until(() => inner.gates.length === 2);
    expect(revocationLogSize(cache)).toBe(0);
    inner.gates[1]!.open();
    expect(expectSuccess(await hung).subject).toBe('sub-hung');
    expect(inner.gates).toHaveLength(2);
  });

  it('detaches the calls clear() forgot without visiting them: a new request makes its own call', async () => {
    const inner = heldCalls();
    const cache = tokenCache(inner);
    const before = resolveAt(cache, 'token');
    await until(() => inner.gates.length === 1);
    await cache.clear();
    const after = resolveAt(cache, 'token');
    await until(() => inner.gates.length === 2);
    const joined = resolveAt(cache, 'token');
    await until(() => cache.stats().coalesced === 1);
    inner.gates[1]!.open();
    expectSuccess(await after);
    expectSuccess(await joined);
    inner.gates[0]!.open();
    // Its answer came after clear(): served from the store, where the call made since put it.
    expectSuccess(await before);
    expect(inner.gates).toHaveLength(2);
  });
});
