import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  closedPort,
  generateSigningKey,
  type JwksServer,
  jwksOf,
  startJwksServer,
  type TestSigningKey,
} from '@rs/testkit';
import { exportJWK } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  HttpClientError,
  JwkSetError,
  jwtResolver,
  type RemoteJwks,
  type RemoteJwksOptions,
  remoteJwks,
} from '../../src/index.js';
import { undiciHttpClient } from '../../src/node/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  invalidTokenChallenge,
  mint,
  NOW_MS,
  NOW_S,
  resolveAt,
} from '../helpers.js';
import { eventually, randomKidTokens } from '../remote-jwks-setup.js';

// A long minimum interval between fetches, so that these tests can tell which request caused which fetch.
const MIN_INTERVAL = 30_000;
const MAX_AGE = 600_000;

let keyA: TestSigningKey;
let keyB: TestSigningKey;
let attacker: TestSigningKey;
let tokenA: string;
let tokenB: string;

beforeAll(async () => {
  keyA = await generateSigningKey('ES256', 'key-a');
  keyB = await generateSigningKey('ES256', 'key-b');
  attacker = await generateSigningKey('ES256', 'attacker');
  // Valid for a day, so that the clock can be moved past cacheMaxAge.
  tokenA = await mint(keyA, { exp: NOW_S + 86_400 });
  tokenB = await mint(keyB, { exp: NOW_S + 86_400 });
});

const servers: JwksServer[] = [];
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all([
    ...servers.splice(0).map((server) => server.close()),
    ...closers.splice(0).map((close) => close()),
  ]);
});

async function serve(document: unknown): Promise<JwksServer> {
  const server = await startJwksServer(document);
  servers.push(server);
  return server;
}

interface Setup {
  readonly keys: RemoteJwks;
  readonly resolver: AccessTokenResolver;
  readonly errors: Error[];
}

function setup(url: string, options: Partial<RemoteJwksOptions> = {}): Setup {
  const errors: Error[] = [];
  const keys = remoteJwks({
    url,
    minFetchInterval: MIN_INTERVAL,
    retryDelay: 1_000,
    maxRetryDelay: 10_000,
    cacheMaxAge: MAX_AGE,
    onFetchError: (error) => errors.push(error),
    ...options,
  });
  return { keys, resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }), errors };
}

describe('remoteJwks: caching', () => {
  it('fetches on first use, then serves from cache until cacheMaxAge', async () => {
    const server = await serve(jwksOf(keyA));
    const { keys, resolver } = setup(server.url);
    expect(server.requests).toBe(0); // lazy: nothing fetched at construction
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    expect(server.requests).toBe(1);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE - 1));
    expect(server.requests).toBe(1);
    // Past cacheMaxAge the held key still answers; the refresh runs in the background.
    server.setDocument(jwksOf(keyA, keyB));
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE));
    await eventually(() => expect(keys.stats()).toEqual({ fetches: 2, failures: 0, keys: 2 }));
    // The refreshed set is fresh again: no fetch until it too is cacheMaxAge old.
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS + 2 * MAX_AGE - 1));
    expect(server.requests).toBe(2);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + 2 * MAX_AGE));
    expect(keys.stats().fetches).toBe(3);
    await eventually(() => expect(server.requests).toBe(3));
  });

  it('coalesces 50 concurrent first requests into exactly one fetch', async () => {
    const server = await serve(jwksOf(keyA, keyB));
    server.delay(100); // keep the first fetch in flight while the others arrive
    const { keys, resolver } = setup(server.url);
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => resolveAt(resolver, i % 2 === 0 ? tokenA : tokenB, NOW_MS + i)),
    );
    for (const result of results) expectSuccess(result);
    expect(server.requests).toBe(1);
    expect(keys.stats().fetches).toBe(1);
  });

  it('sends an Accept header for JWK sets', async () => {
    let accept: string | undefined;
    const server = createServer((request, response) => {
      accept = request.headers.accept;
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(jwksOf(keyA)));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => closeServer(server));
    const { resolver } = setup(`http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`);
    expectSuccess(await resolveAt(resolver, tokenA));
    expect(accept).toBe('application/jwk-set+json, application/json');
  });
});

describe('remoteJwks: key rotation', () => {
  it('accepts a token signed with a newly published kid after exactly one refetch', async () => {
    const server = await serve(jwksOf(keyA));
    const { keys, resolver } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    expect(server.requests).toBe(1);

    server.setDocument(jwksOf(keyA, keyB));
    const later = NOW_MS + MIN_INTERVAL; // well inside cacheMaxAge: only the unknown kid causes the fetch
    const info = expectSuccess(await resolveAt(resolver, tokenB, later));
    expect(info.subject).toBe('user-123');
    expect(server.requests).toBe(2);

    // The new key is now cached, and the old one is still there.
    expectSuccess(await resolveAt(resolver, tokenB, later + 1));
    expectSuccess(await resolveAt(resolver, tokenA, later + 2));
    expect(server.requests).toBe(2);
    expect(keys.stats()).toEqual({ fetches: 2, failures: 0, keys: 2 });
  });

  it('refuses a new kid inside the minimum interval after the last fetch, then accepts it once it passed', async () => {
    const server = await serve(jwksOf(keyA));
    const { resolver } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.setDocument(jwksOf(keyA, keyB));
    expectFailure(await resolveAt(resolver, tokenB, NOW_MS + MIN_INTERVAL - 1), 'unknown_key');
    expect(server.requests).toBe(1);
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS + MIN_INTERVAL));
    expect(server.requests).toBe(2);
  });

  it('drops a key that was removed from the set once the next refresh completed', async () => {
    const server = await serve(jwksOf(keyA, keyB));
    const { keys, resolver } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS));
    server.setDocument(jwksOf(keyA));
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS + MAX_AGE - 1));
    expect(server.requests).toBe(1);
    // The request that finds the set stale is still answered from it, and starts the refresh.
    expectSuccess(await resolveAt(resolver, tokenB, NOW_MS + MAX_AGE));
    await eventually(() => expect(keys.stats().keys).toBe(1));
    expectFailure(await resolveAt(resolver, tokenB, NOW_MS + MAX_AGE + 1), 'unknown_key');
    expect(server.requests).toBe(2);
  });

  it('lets concurrent tokens with the new kid share the one refetch', async () => {
    const server = await serve(jwksOf(keyA));
    const { resolver } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.setDocument(jwksOf(keyA, keyB));
    server.delay(50);
    const results = await Promise.all(
      Array.from({ length: 20 }, () => resolveAt(resolver, tokenB, NOW_MS + MIN_INTERVAL)),
    );
    for (const result of results) expectSuccess(result);
    expect(server.requests).toBe(2);
  });
});

describe('remoteJwks: a flood of unknown kids', () => {
  it('costs at most one fetch per minimum interval, concurrently and sequentially', async () => {
    const server = await serve(jwksOf(keyA));
    const { keys, resolver } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    expect(server.requests).toBe(1);

    const flood = await randomKidTokens(attacker, 200);

    // Inside the minimum interval after the first fetch: nothing is fetched.
    const early = await Promise.all(flood.map((token) => resolveAt(resolver, token, NOW_MS + 1)));
    for (const result of early) expectFailure(result, 'unknown_key');
    expect(server.requests).toBe(1);

    // Once it passed: 200 concurrent tokens cause exactly one fetch.
    const t1 = NOW_MS + MIN_INTERVAL;
    const concurrent = await Promise.all(flood.map((token) => resolveAt(resolver, token, t1)));
    for (const result of concurrent) expectFailure(result, 'unknown_key');
    expect(server.requests).toBe(2);

    // 200 sequential tokens spread over the next interval: no fetch at all.
    for (let i = 0; i < flood.length; i++) {
      expectFailure(await resolveAt(resolver, flood[i]!, t1 + 1 + i * 100), 'unknown_key');
    }
    expect(server.requests).toBe(2);
    expectFailure(await resolveAt(resolver, flood[0]!, t1 + MIN_INTERVAL - 1), 'unknown_key');
    expect(server.requests).toBe(2);

    // After that interval, one more fetch is allowed, and only one.
    const t2 = t1 + MIN_INTERVAL;
    for (const token of flood.slice(0, 50))
      expectFailure(await resolveAt(resolver, token, t2), 'unknown_key');
    expect(server.requests).toBe(3);

    // Genuine tokens kept working throughout.
    expectSuccess(await resolveAt(resolver, tokenA, t2 + 1));
    expect(server.requests).toBe(3);
    expect(keys.stats()).toEqual({ fetches: 3, failures: 0, keys: 1 });
  });

  it('costs exactly one fetch when the flood arrives before any key was fetched', async () => {
    const server = await serve(jwksOf(keyA));
    const { resolver } = setup(server.url);
    const flood = await randomKidTokens(attacker, 200);
    const results = await Promise.all(flood.map((token) => resolveAt(resolver, token, NOW_MS)));
    for (const result of results) expectFailure(result, 'unknown_key');
    expect(server.requests).toBe(1);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + 1));
    expect(server.requests).toBe(1);
  });

  it('does not refetch for tokens without a kid', async () => {
    const server = await serve(jwksOf(keyA));
    const { resolver } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    const noKid = await mint(attacker, {}, { omitKid: true });
    for (let i = 0; i < 10; i++)
      expectFailure(await resolveAt(resolver, noKid, NOW_MS + MIN_INTERVAL * (i + 1)), 'signature_invalid');
    expect(server.requests).toBe(1);
  });
});

describe('remoteJwks: endpoint down', () => {
  it('keeps the last good keys while the endpoint answers 500, retrying after 1 s, 2 s, 4 s, … up to the cap', async () => {
    const server = await serve(jwksOf(keyA));
    const { keys, resolver, errors } = setup(server.url, { cacheMaxAge: 60_000 });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.fail(500);

    // Past cacheMaxAge the held key answers; the refresh fails in the background and is reported.
    let t = NOW_MS + 60_000;
    expectSuccess(await resolveAt(resolver, tokenA, t));
    await eventually(() => expect(keys.stats().failures).toBe(1));
    expect(errors[0]).toBeInstanceOf(JwkSetError);
    expect((errors[0] as JwkSetError).code).toBe('ERR_RS_JWKS_STATUS');
    expect(errors[0]!.message).toContain('HTTP 500');

    // Each further attempt waits twice as long as the one before, up to maxRetryDelay (10 s), from when
    // the last one failed (its start on the request clock, plus the real time it took).
    for (const wait of [1_000, 2_000, 4_000, 8_000, 10_000, 10_000]) {
      const before = keys.stats().fetches;
      const failedAt = keys.health(t)[0]!.lastFailureAt!;
      expect(failedAt).toBeGreaterThanOrEqual(t);
      expectSuccess(await resolveAt(resolver, tokenA, failedAt + wait - 1));
      expect(keys.stats().fetches).toBe(before);
      t = failedAt + wait;
      expectSuccess(await resolveAt(resolver, tokenA, t));
      expect(keys.stats().fetches).toBe(before + 1);
      await eventually(() => expect(keys.stats().failures).toBe(before));
    }
    expect(keys.stats()).toEqual({ fetches: 8, failures: 7, keys: 1 });
    expect(server.requests).toBe(8);

    // Recovery: a kid only the new set holds waits for the next attempt, which picks the set up.
    server.recover();
    server.setDocument(jwksOf(keyA, keyB));
    expectSuccess(await resolveAt(resolver, tokenB, keys.health(t)[0]!.lastFailureAt! + 10_000));
    expect(keys.stats()).toEqual({ fetches: 9, failures: 7, keys: 2 });
  });

  it('keeps the last good keys when the endpoint stops listening', async () => {
    const server = await serve(jwksOf(keyA));
    const { keys, resolver, errors } = setup(server.url, { cacheMaxAge: 60_000 });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    await server.down();
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + 120_000));
    await eventually(() => expect(errors).toHaveLength(1));
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_NETWORK');
    expect(keys.stats()).toEqual({ fetches: 2, failures: 1, keys: 1 });
  });

  it('refuses with 503 keys_unavailable when no key was ever fetched (500), without a refetch storm', async () => {
    const server = await serve(jwksOf(keyA));
    server.fail(500);
    const { keys, resolver, errors } = setup(server.url);
    const rs = createResourceServer({ resolver, realm: 'api', clock: () => NOW_MS });
    const lastFailureAt = () => keys.health(NOW_MS)[0]!.lastFailureAt!;

    // The server's problem, not the token's: no challenge, as when introspection is unavailable.
    const rejection = expectRejected(await rs.authenticate(bearerRequest(tokenA)), 'keys_unavailable', 503);
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(rejection.headers).toEqual({ 'cache-control': 'no-store', 'content-type': 'application/json' });
    expect(rejection.body).toEqual({
      error_description: 'The issuer signing keys are unavailable',
      code: 'keys_unavailable',
    });
    expect(server.requests).toBe(1);

    // 50 concurrent and 50 sequential requests inside the first back-off (1 s): no new fetch.
    const concurrent = await Promise.all(
      Array.from({ length: 50 }, () => resolveAt(resolver, tokenA, NOW_MS + 1)),
    );
    for (const result of concurrent) expectFailure(result, 'keys_unavailable');
    for (let i = 0; i < 50; i++)
      expectFailure(await resolveAt(resolver, tokenA, NOW_MS + 2 + i * 19), 'keys_unavailable');
    expect(server.requests).toBe(1);
    expect(errors).toHaveLength(1);

    // After it (counted from when the fetch failed): one attempt for 10 concurrent requests (still failing).
    const retryAt = lastFailureAt() + 1_000;
    const results = await Promise.all(Array.from({ length: 10 }, () => resolveAt(resolver, tokenA, retryAt)));
    for (const result of results) expectFailure(result, 'keys_unavailable');
    expect(server.requests).toBe(2);

    // The endpoint recovers: the attempt after the next back-off (2 s) fetches the keys.
    server.recover();
    const nextAt = lastFailureAt() + 2_000;
    expectFailure(await resolveAt(resolver, tokenA, nextAt - 1), 'keys_unavailable');
    expect(server.requests).toBe(2);
    expectSuccess(await resolveAt(resolver, tokenA, nextAt));
    expect(server.requests).toBe(3);
  });

  it('coalesces concurrent first requests while the endpoint is failing', async () => {
    const server = await serve(jwksOf(keyA));
    server.fail(503);
    server.delay(50);
    const { resolver } = setup(server.url);
    const results = await Promise.all(Array.from({ length: 50 }, () => resolveAt(resolver, tokenA, NOW_MS)));
    for (const result of results) expectFailure(result, 'keys_unavailable');
    expect(server.requests).toBe(1);
  });

  it('refuses with keys_unavailable when the port is closed, one attempt per back-off step', async () => {
    const port = await closedPort();
    const { keys, resolver, errors } = setup(`http://127.0.0.1:${port}/jwks.json`);
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    expectRejected(await rs.authenticate(bearerRequest(tokenA)), 'keys_unavailable', 503);
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_NETWORK');
    // A request every 250 ms for 20 s: attempts at 0, 1, 3, 7 and 15 s.
    for (let i = 1; i < 80; i++)
      expectFailure(await resolveAt(resolver, tokenA, NOW_MS + i * 250), 'keys_unavailable');
    expect(keys.stats()).toEqual({ fetches: 5, failures: 5, keys: 0 });
  });

  it('gives up after the timeout when the endpoint hangs, instead of hanging the request', async () => {
    const server = await serve(jwksOf(keyA));
    server.hang();
    const { resolver, errors } = setup(server.url, { timeout: 200 });
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    const started = performance.now();
    const rejection = expectRejected(await rs.authenticate(bearerRequest(tokenA)), 'keys_unavailable', 503);
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(150);
    expect(elapsed).toBeLessThan(2_000);
    expect(rejection.wwwAuthenticate).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(HttpClientError);
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    expect(server.requests).toBe(1);
  });

  it('keeps the last good keys when a refresh times out', async () => {
    const server = await serve(jwksOf(keyA));
    const { resolver, errors } = setup(server.url, { timeout: 200 });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.hang();
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE));
    await eventually(() => expect(errors).toHaveLength(1));
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE + 1));
  });
});

describe('remoteJwks: hostile or broken documents', () => {
  async function firstFetchFails(
    document: unknown,
    options: Partial<RemoteJwksOptions> = {},
  ): Promise<Setup> {
    const server = await serve(document);
    const result = setup(server.url, options);
    expectFailure(await resolveAt(result.resolver, tokenA), 'keys_unavailable');
    expect(server.requests).toBe(1);
    expect(result.keys.stats()).toEqual({ fetches: 1, failures: 1, keys: 0 });
    expect(result.errors).toHaveLength(1);
    return result;
  }

  it('refuses a non-JSON answer', async () => {
    const server = await serve(jwksOf(keyA));
    server.fail(200); // 200 with an HTML body
    const { resolver, errors, keys } = setup(server.url);
    expectFailure(await resolveAt(resolver, tokenA), 'keys_unavailable');
    expect(errors[0]!.message).toContain('not JSON');
    expect(keys.stats().failures).toBe(1);
  });

  it('refuses JSON that is not a JWK set', async () => {
    await firstFetchFails({ keys: 'nope' });
    await firstFetchFails([jwksOf(keyA)]);
    await firstFetchFails('just a string');
    await firstFetchFails(null);
  });

  it('refuses a document larger than maxResponseBytes', async () => {
    const { errors } = await firstFetchFails(jwksOf(keyA), { maxResponseBytes: 90 });
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TOO_LARGE');
  });

  it('refuses a document over the default 256 KiB limit', async () => {
    const { errors } = await firstFetchFails({ ...jwksOf(keyA), padding: 'x'.repeat(300 * 1024) });
    expect((errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TOO_LARGE');
  });

  it('refuses a set of more than 100 keys, and accepts one of exactly 100', async () => {
    const many = (count: number) => ({
      keys: Array.from({ length: count }, (_, i) =>
        i === 0 ? keyA.publicJwk : { ...keyB.publicJwk, kid: `k${i}` },
      ),
    });
    const { errors } = await firstFetchFails(many(101));
    expect(errors[0]!.message).toContain('at most 100 keys');

    const server = await serve(many(100));
    const { resolver, keys } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA));
    expect(keys.stats().keys).toBe(100);
  });

  it('never uses a published private key', async () => {
    const privateJwk = { ...(await exportJWK(keyB.privateKey)), kid: keyB.kid, alg: 'ES256', use: 'sig' };
    const server = await serve({ keys: [keyA.publicJwk, privateJwk] });
    const { resolver, keys } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    expect(keys.stats().keys).toBe(1);
    expectFailure(await resolveAt(resolver, tokenB, NOW_MS + 1), 'unknown_key');
  });

  it('refuses a whole set that publishes a symmetric key beside its public keys', async () => {
    // Not the public key left in use with the secret left out: the set is not the issuer's public keys.
    const { errors } = await firstFetchFails({
      keys: [keyA.publicJwk, { kty: 'oct', k: 'c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA', kid: 'oct' }],
    });
    expect(errors[0]).toMatchObject({
      code: 'ERR_RS_JWKS_AMBIGUOUS',
      message: expect.stringContaining('must not mix shared secrets ("oct") with public keys'),
    });
  });

  it('does not follow a redirect', async () => {
    const target = await serve(jwksOf(keyA));
    const redirect = createServer((_request, response) => {
      response.writeHead(302, { location: target.url }).end();
    });
    await new Promise<void>((resolve) => redirect.listen(0, '127.0.0.1', resolve));
    closers.push(() => closeServer(redirect));
    const { resolver, errors } = setup(`http://127.0.0.1:${(redirect.address() as AddressInfo).port}/jwks`);
    expectFailure(await resolveAt(resolver, tokenA), 'keys_unavailable');
    expect(errors[0]!.message).toContain('HTTP 302');
    expect(target.requests).toBe(0);
  });
});

describe('remoteJwks over the undici client', () => {
  it('fetches, caches, refuses a too large set and times out like the fetch client', async () => {
    const httpClient = undiciHttpClient();
    closers.push(() => httpClient.close());
    const server = await serve(jwksOf(keyA));
    const { resolver } = setup(server.url, { httpClient, timeout: 200 });
    const results = await Promise.all(Array.from({ length: 20 }, () => resolveAt(resolver, tokenA, NOW_MS)));
    for (const result of results) expectSuccess(result);
    expect(server.requests).toBe(1);

    const big = await serve(jwksOf(keyA));
    const tooLarge = setup(big.url, { httpClient, maxResponseBytes: 90 });
    expectFailure(await resolveAt(tooLarge.resolver, tokenA), 'keys_unavailable');
    expect((tooLarge.errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TOO_LARGE');

    const slow = await serve(jwksOf(keyA));
    slow.delay(5_000);
    const hanging = setup(slow.url, { httpClient, timeout: 200 });
    const started = performance.now();
    expectFailure(await resolveAt(hanging.resolver, tokenA), 'keys_unavailable');
    expect(performance.now() - started).toBeLessThan(2_000);
    expect((hanging.errors[0] as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
    // Let the dropped body of the too large answer settle inside this test.
    await new Promise((resolve) => setTimeout(resolve, 20));
  });
});

describe('remoteJwks: acceptance through the pipeline', () => {
  it('accepts, and refuses an unknown kid with 401 invalid_token', async () => {
    const server = await serve(jwksOf(keyA));
    const rs = createResourceServer({ resolver: setup(server.url).resolver, clock: () => NOW_MS });
    expectAccepted(await rs.authenticate(bearerRequest(tokenA)));
    const rejection = expectRejected(await rs.authenticate(bearerRequest(tokenB)), 'unknown_key', 401);
    expect(rejection.wwwAuthenticate).toBe(invalidTokenChallenge('No key of the issuer matches the JWT'));
  });
});

function closeServer(server: ReturnType<typeof createServer>): Promise<void> {
  return new Promise((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
}

describe('remoteJwks: refresh behaviour', () => {
  it('treats a set without one usable key as a failed fetch and keeps the last good keys', async () => {
    const server = await serve({ keys: [keyA.publicJwk] });
    const { resolver, errors, keys } = setup(server.url);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    const privateOnly = { ...(await exportJWK(keyA.privateKey)), kid: keyA.kid, alg: 'ES256' };
    server.setDocument({ keys: [privateOnly] });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE));
    await eventually(() => expect(keys.stats().failures).toBe(1));
    expect(server.requests).toBe(2);
    expect(errors[0]?.message).toMatch(/no usable verification key/);
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MAX_AGE + 1));
  });

  it('answers from fresh keys without waiting for a refetch already under way', async () => {
    const server = await serve({ keys: [keyA.publicJwk] });
    const { resolver } = setup(server.url, { timeout: 2_000 });
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS));
    server.delay(1_500);
    // An unknown kid starts a slow refetch; a token with a known kid must not queue behind it.
    const unknown = resolveAt(resolver, tokenB, NOW_MS + MIN_INTERVAL);
    const started = Date.now();
    expectSuccess(await resolveAt(resolver, tokenA, NOW_MS + MIN_INTERVAL));
    expect(Date.now() - started).toBeLessThan(1_000);
    server.recover();
    expectFailure(await unknown, 'unknown_key');
  });

  it('refuses a zero timeout or response limit at build time', () => {
    expectConfigError(
      () => remoteJwks({ url: 'https://as.example.com/jwks', timeout: 0 }),
      'remoteJwks.timeout',
    );
    expectConfigError(
      () => remoteJwks({ url: 'https://as.example.com/jwks', maxResponseBytes: 0 }),
      'remoteJwks.maxResponseBytes',
    );
  });

  it('refuses a fraction of a millisecond for a timeout or a delay, with one message', () => {
    for (const option of ['timeout', 'retryDelay', 'maxRetryDelay'] as const) {
      for (const value of [0.5, 0.999, 2 ** 31]) {
        const error = expectConfigError(
          () => remoteJwks({ url: 'https://as.example.com/jwks', [option]: value }),
          `remoteJwks.${option}`,
        );
        expect(error.problem).toBe('must be a number of milliseconds from 1 to 2147483647');
      }
    }
    expect(() =>
      remoteJwks({ url: 'https://as.example.com/jwks', timeout: 1, retryDelay: 1, maxRetryDelay: 1 }),
    ).not.toThrow();
  });

  it('takes maxResponseBytes in whole bytes, from the smallest usable set to 16 MiB', () => {
    // The smallest JWK set holding one usable key (an Ed25519 key, nothing else) has 90 bytes.
    for (const maxResponseBytes of [0.5, 89, 1024.5, 16 * 1024 * 1024 + 1, 1e300]) {
      const error = expectConfigError(
        () => remoteJwks({ url: 'https://as.example.com/jwks', maxResponseBytes }),
        'remoteJwks.maxResponseBytes',
      );
      expect(error.problem).toBe('must be an integer from 90 to 16777216');
    }
    expect(() => remoteJwks({ url: 'https://as.example.com/jwks', maxResponseBytes: 90 })).not.toThrow();
    expect(() =>
      remoteJwks({ url: 'https://as.example.com/jwks', maxResponseBytes: 16 * 1024 * 1024 }),
    ).not.toThrow();
  });
});
