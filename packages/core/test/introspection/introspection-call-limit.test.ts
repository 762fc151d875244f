import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  type IntrospectionError,
  type IntrospectionResolverOptions,
  introspectionResolver,
  tokenCache,
} from '../../src/index.js';
import {
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectFailure,
  expectRejected,
  namespaceDigest,
  resolveAt,
} from '../helpers.js';
import { resourceServerWith } from '../introspection-setup.js';

// A client can make the resource server call the authorization server once per opaque token it makes up
// (a token cache shares a call only among requests presenting the same token). `maxConcurrentCalls`
// bounds how many such calls are under way at once: a request beyond it is answered 503 at once, without a
// call. Here a real loopback endpoint holds every introspection of a made-up token until the test lets
// it answer, so the bound is seen as it is, whatever the machine's speed: no wall-clock budget is used.

/** An introspection endpoint on loopback that holds its answers for made-up tokens until released. */
interface HoldingEndpoint {
  readonly url: string;
  /** Introspection requests received so far. */
  readonly received: number;
  /** Resolves once `count` requests have been received. */
  receivedAtLeast(count: number): Promise<void>;
  /** Answers every request held, and those to come, `active: false`. */
  release(): void;
  close(): Promise<void>;
}

// The one token the endpoint knows: answered active at once, never held.
const KNOWN_TOKEN = 'known-token-of-a-real-client';

const endpoints: HoldingEndpoint[] = [];
afterEach(async () => {
  await Promise.all(endpoints.splice(0).map((endpoint) => endpoint.close()));
});

async function holdingEndpoint(options: { neverAnswer?: boolean } = {}): Promise<HoldingEndpoint> {
  const held: ServerResponse[] = [];
  const waiters: { count: number; resolve: () => void }[] = [];
  let received = 0;
  let released = false;
  const answer = (response: ServerResponse, json: unknown): void => {
    if (!response.destroyed)
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(json));
  };
  const server = createServer(async (request, response) => {
    let body = '';
    for await (const chunk of request) body += chunk;
    received++;
    for (const waiter of waiters.filter((waiting) => received >= waiting.count)) waiter.resolve();
    response.on('error', () => undefined);
    if (new URLSearchParams(body).get('token') === KNOWN_TOKEN) {
      answer(response, { active: true, sub: 'alice', client_id: 'app' });
    } else if (options.neverAnswer !== true) {
      if (released) answer(response, { active: false });
      else held.push(response);
    }
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', 1024, resolve));
  const endpoint: HoldingEndpoint = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/introspect`,
    get received() {
      return received;
    },
    receivedAtLeast: (count) =>
      received >= count ? Promise.resolve() : new Promise((resolve) => waiters.push({ count, resolve })),
    release() {
      released = true;
      for (const response of held.splice(0)) answer(response, { active: false });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  endpoints.push(endpoint);
  return endpoint;
}

function resolverAt(
  endpoint: HoldingEndpoint,
  overrides: Partial<IntrospectionResolverOptions> = {},
): { resolver: AccessTokenResolver; errors: IntrospectionError[] } {
  const errors: IntrospectionError[] = [];
  const resolver = introspectionResolver({
    endpoint: endpoint.url,
    acceptAnyAudience: true,
    clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    // Far longer than any test: a call under way stays under way until the endpoint is released.
    timeout: 120_000,
    retries: 0,
    onError: (error) => errors.push(error),
    ...overrides,
  });
  return { resolver, errors };
}

function madeUpTokens(count: number, prefix: string): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index}-${Math.random().toString(36)}`);
}

/** Fails, rather than waits, when the endpoint receives more than `limit` requests before `work` settles. */
async function withoutCallBeyond<T>(endpoint: HoldingEndpoint, limit: number, work: Promise<T>): Promise<T> {
  const beyond = endpoint.receivedAtLeast(limit + 1).then(() => {
    throw new Error(`the endpoint received more than ${limit} introspection requests`);
  });
  return Promise.race([work, beyond]);
}

/** Tracks whether `promise` has settled. */
function tracked<T>(promise: Promise<T>): { promise: Promise<T>; readonly settled: boolean } {
  const state = { promise, settled: false };
  promise.then(
    () => {
      state.settled = true;
    },
    () => {
      state.settled = true;
    },
  );
  return state;
}

describe('introspectionResolver: maxConcurrentCalls', () => {
  it('by default 256 introspections are under way at most: 200 more made-up tokens are answered 503 at once, without a call', async () => {
    const endpoint = await holdingEndpoint();
    const { resolver, errors } = resolverAt(endpoint);

    const underWay = madeUpTokens(256, 'first').map((token) => tracked(resolveAt(resolver, token)));
    await endpoint.receivedAtLeast(256);

    const beyond = await withoutCallBeyond(
      endpoint,
      256,
      Promise.all(madeUpTokens(200, 'beyond').map((token) => resolveAt(resolver, token))),
    );
    for (const outcome of beyond) expectFailure(outcome, 'introspection_unavailable');
    // Answered while the 256 calls are still held: none of them waited for a slot or for the timeout.
    expect(underWay.every((call) => !call.settled)).toBe(true);
    expect(endpoint.received).toBe(256);
    expect(errors).toHaveLength(200);
    for (const error of errors) {
      expect(error.code).toBe('ERR_RS_INTROSPECTION_UNAVAILABLE');
      expect(error.message).toContain('256 introspections are already under way (maxConcurrentCalls)');
    }

    endpoint.release();
    for (const call of underWay) expectFailure(await call.promise, 'token_inactive');
    // Their slots are free again: the next new token is asked about.
    expectFailure(await resolveAt(resolver, 'after-the-flood'), 'token_inactive');
    expect(endpoint.received).toBe(257);
    // 256 connections opened and answered on loopback: seconds on a busy machine.
  }, 60_000);

  it('through a resource server and tokenCache: requests beyond the limit get 503 at once, a cached token is still accepted without a call', async () => {
    const endpoint = await holdingEndpoint();
    const cache = tokenCache(resolverAt(endpoint, { maxConcurrentCalls: 3 }).resolver);
    const rs = resourceServerWith(cache);
    expectAccepted(await rs.authenticate(bearerRequest(KNOWN_TOKEN)));
    expect(endpoint.received).toBe(1);

    const underWay = madeUpTokens(3, 'first').map((token) => tracked(rs.authenticate(bearerRequest(token))));
    await endpoint.receivedAtLeast(4);

    const beyond = await withoutCallBeyond(
      endpoint,
      4,
      Promise.all(madeUpTokens(50, 'beyond').map((token) => rs.authenticate(bearerRequest(token)))),
    );
    for (const result of beyond) expectRejected(result, 'introspection_unavailable', 503);
    expectAccepted(await rs.authenticate(bearerRequest(KNOWN_TOKEN)));
    expect(underWay.every((call) => !call.settled)).toBe(true);
    expect(endpoint.received).toBe(4);

    endpoint.release();
    for (const call of underWay) expectRejected(await call.promise, 'token_inactive');
    // Refusals for the limit are unavailability, which no cache keeps: those tokens are asked about now.
    const again = madeUpTokens(1, 'beyond');
    expectRejected(await rs.authenticate(bearerRequest(again[0]!)), 'token_inactive');
    expect(endpoint.received).toBe(5);
  });

  it('a slot is freed however the call ends: at its timeout, and when the endpoint cannot be reached', async () => {
    const refusedForTheLimit = (errors: IntrospectionError[]) =>
      errors.filter((error) => error.message.includes('maxConcurrentCalls'));

    const silent = await holdingEndpoint({ neverAnswer: true });
    const timedOut = resolverAt(silent, { maxConcurrentCalls: 1, timeout: 500 });
    expectFailure(await resolveAt(timedOut.resolver, 'first'), 'introspection_unavailable');
    // The second token is asked about (and times out in turn), not refused for the limit.
    expectFailure(await resolveAt(timedOut.resolver, 'second'), 'introspection_unavailable');
    expect(timedOut.errors).toHaveLength(2);
    expect(refusedForTheLimit(timedOut.errors)).toEqual([]);

    const gone = await holdingEndpoint();
    await gone.close();
    const unreachable = resolverAt(gone, { maxConcurrentCalls: 1, timeout: 5_000 });
    expectFailure(await resolveAt(unreachable.resolver, 'first'), 'introspection_unavailable');
    expectFailure(await resolveAt(unreachable.resolver, 'second'), 'introspection_unavailable');
    expect(unreachable.errors).toHaveLength(2);
    expect(refusedForTheLimit(unreachable.errors)).toEqual([]);
  });

  it('refusals for the limit are no failure of the endpoint: health() stays ready and counts no call', async () => {
    const endpoint = await holdingEndpoint();
    const { resolver } = resolverAt(endpoint, { maxConcurrentCalls: 2 });
    const underWay = madeUpTokens(2, 'first').map((token) => resolveAt(resolver, token));
    await endpoint.receivedAtLeast(2);
    const beyond = await withoutCallBeyond(
      endpoint,
      2,
      Promise.all(madeUpTokens(20, 'beyond').map((token) => resolveAt(resolver, token))),
    );
    for (const outcome of beyond) expectFailure(outcome, 'introspection_unavailable');

    const [health] = resolver.health!(Date.now());
    expect(health).toMatchObject({ kind: 'introspection', ready: true, calls: 0, failures: 0 });
    endpoint.release();
    await Promise.all(underWay);
    expect(resolver.health!(Date.now())[0]).toMatchObject({ ready: true, calls: 2, failures: 0 });
  });

  it('is refused at start-up unless a whole number from 1 to 10 000', () => {
    const build = (maxConcurrentCalls: unknown) => () =>
      introspectionResolver({
        endpoint: 'https://as.example.com/introspect',
        acceptAnyAudience: true,
        clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
        maxConcurrentCalls: maxConcurrentCalls as number,
      });
    for (const wrong of [0, -1, 1.5, 10_001, Number.NaN, Number.POSITIVE_INFINITY, '64', null]) {
      const error = expectConfigError(build(wrong), 'introspectionResolver.maxConcurrentCalls');
      expect(error.message).toContain('from 1 to 10000');
    }
    expect(build(1)).not.toThrow();
    expect(build(10_000)).not.toThrow();
  });

  it('does not enter the cache namespace: instances with different limits share their answers', async () => {
    const options = {
      endpoint: 'https://as.example.com/introspect',
      acceptAnyAudience: true,
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: 'rs',
        clientSecret: 'secret',
      },
    } as const;
    const limited = introspectionResolver({ ...options, maxConcurrentCalls: 5 });
    expect(await namespaceDigest(limited)).toBe(await namespaceDigest(introspectionResolver(options)));
  });
});
