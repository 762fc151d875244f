import { type HeldIntrospectionEndpoint, startHeldIntrospectionEndpoint } from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { introspectionResolver, type TokenCache, tokenCache } from '../../src/index.js';
import { AUDIENCE, bearerRequest, expectFailure, expectSuccess, NOW_MS, NOW_S } from '../helpers.js';

// Requests for one token share one call to the authorization server, each at its own time. An answer
// is never served from the store outside the token's validity period on the reader's clock; nor is a
// shared call's answer handed to a request that arrived once the token had expired: that request asks
// for itself, as a request finding the answer stored would.

/** Yields to the event loop until `condition` holds, five seconds of wall time at most; no fixed sleep. */
async function until(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition() && Date.now() < deadline) {
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
  expect(condition()).toBe(true);
}

// The token expires ten seconds after the test clock's NOW.
const EXPIRES_AT_S = NOW_S + 10;

describe('tokenCache: a call shared by requests made at different times', () => {
  let as: HeldIntrospectionEndpoint;
  beforeAll(async () => {
    as = await startHeldIntrospectionEndpoint(() => ({
      active: true,
      sub: 'alice',
      aud: AUDIENCE,
      iat: NOW_S - 60,
      exp: EXPIRES_AT_S,
    }));
  });
  afterAll(() => as.close());

  function cached(): TokenCache {
    const resolver = introspectionResolver({
      endpoint: as.endpoint,
      audience: AUDIENCE,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 's3cret-s3cret' },
    });
    return tokenCache(resolver, { ttl: 60_000 });
  }

  const resolveAt = (cache: TokenCache, token: string, now: number) =>
    cache.resolve(token, { request: bearerRequest(token), now });

  it('does not hand the answer to a request that arrived after the token expired: it is asked for anew', async () => {
    const cache = cached();
    const before = as.calls;
    as.holding = true;
    const early = resolveAt(cache, 'shared-token', NOW_MS);
    await until(() => as.calls === before + 1);
    // Arrives while the call is under way, once the token has expired on its clock.
    const late = resolveAt(cache, 'shared-token', EXPIRES_AT_S * 1000 + 1_000);
    await until(() => cache.stats().coalesced === 1);
    as.holding = false;
    as.release();

    expect(expectSuccess(await early).subject).toBe('alice');
    expectFailure(await late, 'token_expired');
    // As a request reading the stored answer at that time: it is not served, the server is asked.
    expectFailure(await resolveAt(cache, 'shared-token', EXPIRES_AT_S * 1000 + 2_000), 'token_expired');
  });

  it('hands it to every request that arrived while the token was valid, with one call', async () => {
    const cache = cached();
    const before = as.calls;
    as.holding = true;
    const requests = [0, 1_000, 9_999].map((after) => resolveAt(cache, 'valid-token', NOW_MS + after));
    await until(() => as.calls === before + 1 && cache.stats().coalesced === 2);
    as.holding = false;
    as.release();

    for (const outcome of await Promise.all(requests)) expect(expectSuccess(outcome).subject).toBe('alice');
    expect(as.calls - before).toBe(1);
  });
});
