import { describe, expect, it } from 'vitest';
import { type AuthResult, tokenCache } from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

// Many simultaneous requests with one new token, through tokenCache(introspectionResolver(…)), against a
// real oidc-provider: the server must be asked once, and every request must get an answer.
const authorizationServer = useAuthorizationServer();

const CONCURRENT = 200;

/** All the results, or a rejection if any request is still waiting after `ms`. */
async function settleWithin(requests: Promise<AuthResult>[], ms: number): Promise<AuthResult[]> {
  let timer: NodeJS.Timeout | undefined;
  const hung = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`requests still pending after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([Promise.all(requests), hung]);
  } finally {
    clearTimeout(timer);
  }
}

describe('concurrent requests with one new token', () => {
  it(`${CONCURRENT} simultaneous requests make exactly one introspection request, and all are accepted`, async () => {
    const as = authorizationServer();
    const token = await as.issueToken({ scope: 'read write' });
    const cache = tokenCache(introspectAt(as).resolver);
    const rs = resourceServerWith(cache);
    const before = as.introspectionRequests;

    const results = await settleWithin(
      Array.from({ length: CONCURRENT }, () => rs.authenticate(bearerRequest(token), { scopes: ['read'] })),
      5_000,
    );

    for (const result of results) expect(expectAccepted(result).clientId).toBe(as.appClient.clientId);
    expect(as.introspectionRequests - before).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, coalesced: CONCURRENT - 1, hits: 0 });
  });

  it('when that one introspection fails, every waiting request gets a 503, and the failure is not kept', async () => {
    const as = authorizationServer();
    const token = await as.issueToken();
    const rs = resourceServerWith(tokenCache(introspectAt(as, { retries: 0 }).resolver));
    as.failIntrospection(500);
    const before = as.introspectionRequests;

    const results = await settleWithin(
      Array.from({ length: CONCURRENT }, () => rs.authenticate(bearerRequest(token))),
      5_000,
    );

    for (const result of results) expectRejected(result, 'introspection_unavailable');
    expect(as.introspectionRequests - before).toBe(1);

    as.recover();
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(as.introspectionRequests - before).toBe(2);
  });

  it('distinct tokens are introspected in parallel, one request each', async () => {
    const as = authorizationServer();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => as.issueToken()));
    const rs = resourceServerWith(tokenCache(introspectAt(as).resolver));
    const before = as.introspectionRequests;

    const results = await settleWithin(
      tokens.flatMap((token) => [
        rs.authenticate(bearerRequest(token)),
        rs.authenticate(bearerRequest(token)),
      ]),
      5_000,
    );

    for (const result of results) expectAccepted(result);
    expect(as.introspectionRequests - before).toBe(tokens.length);
  });
});
