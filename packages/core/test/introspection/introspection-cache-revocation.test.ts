import { describe, expect, it } from 'vitest';
import { tokenCache } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

// tokenCache(introspectionResolver(…)) against a real oidc-provider: real tokens, real revocation, real
// expiry. Introspection requests are counted at the server's HTTP layer.
const authorizationServer = useAuthorizationServer();

describe('cached introspection: revocation', () => {
  it('serves a revoked token from the cache until evicted, then asks the server and refuses it', async () => {
    const as = authorizationServer();
    const token = await as.issueToken({ scope: 'read' });
    const cache = tokenCache(introspectAt(as).resolver, { ttl: 60_000 });
    const rs = resourceServerWith(cache);
    const before = as.introspectionRequests;

    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(as.introspectionRequests - before).toBe(1);
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(as.introspectionRequests - before).toBe(1);

    await as.revoke(token);
    // The cache cannot know: this is what `ttl` trades for fewer calls.
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(as.introspectionRequests - before).toBe(1);

    await cache.evict(token);
    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_inactive');
    expect(as.introspectionRequests - before).toBe(2);
    expect(cache.stats()).toMatchObject({ hits: 2, misses: 2, revocations: 1 });
  });

  it('remembers an inactive answer for negativeTtl only', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    await as.revoke(token);
    let now = Date.now();
    const cache = tokenCache(introspectAt(as).resolver, { negativeTtl: 5_000 });
    const rs = resourceServerWith(cache, () => now);
    const before = as.introspectionRequests;

    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_inactive');
    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_inactive');
    expect(as.introspectionRequests - before).toBe(1);

    now += 5_001;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_inactive');
    expect(as.introspectionRequests - before).toBe(2);
  });

  it('never caches a failure to ask: the next request after recovery succeeds', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const rs = resourceServerWith(tokenCache(introspectAt(as, { retries: 0 }).resolver));
    as.failIntrospection(500);

    expectRejected(await rs.authenticate(bearerRequest(token)), 'introspection_unavailable');
    as.recover();
    expectAccepted(await rs.authenticate(bearerRequest(token)));
  });
});

describe('cached introspection: expiry', () => {
  it('refuses an active answer once the clock is past its exp (injected clock)', async () => {
    const as = authorizationServer();
    const token = await as.issueToken({ ttl: 120 });
    let now = Date.now();
    const cache = tokenCache(introspectAt(as).resolver, { ttl: 600_000, maxTtl: 600_000 });
    const rs = resourceServerWith(cache, () => now);
    const before = as.introspectionRequests;

    const { expiresAt } = expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(expiresAt).toBeDefined();
    const exp = (expiresAt ?? 0) * 1000;

    // Just before exp the cached answer still serves.
    now = exp - 1;
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(as.introspectionRequests - before).toBe(1);

    // At exp the cache lets go of it (RFC 7662 §4) although its ttl is 10 minutes; the server, on real
    // time, still says active, and the resolver refuses it on its own clock.
    now = exp + 1_000;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_expired');
    expect(as.introspectionRequests - before).toBe(2);
  });

  it('the server itself reports a short-lived token inactive once it expired', async () => {
    const as = authorizationServer();
    const token = await as.issueToken({ ttl: 1 });
    const { resolver } = introspectAt(as);
    const rs = resourceServerWith(resolver);

    const { expiresAt } = expectAccepted(await rs.authenticate(bearerRequest(token)));
    // oidc-provider counts whole seconds: wait until its clock reaches exp (at most about a second).
    const wait = (expiresAt ?? 0) * 1000 - Date.now() + 50;
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));

    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_inactive');
  });
});
