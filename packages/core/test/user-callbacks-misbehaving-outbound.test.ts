// The functions an application hands the resource server for its outbound side: an HTTP client of its own,
// the error hooks of introspection, of a remote JWK set and of a token cache, a token cache store, a
// secrets provider. Whatever they do (never settle, reject from an `async` hook, answer a value of the
// wrong shape, throw a message that may quote a secret), a request is answered within the configured
// timeout, with the status of a dependency that failed (503), never a 500, and no rejection is left
// unhandled. The HTTP clients here are the application code under test, not stand-ins for a server: the
// URLs they are given are never contacted.
import {
  generateSigningKey,
  jwksOf,
  type TestSigningKey,
  type UnhandledRejections,
  watchUnhandledRejections,
} from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenResolver,
  type CachedAnswer,
  createResourceServer,
  type HttpClient,
  HttpClientError,
  type HttpResponse,
  type IntrospectionError,
  introspectionResolver,
  issuerJwks,
  jwtResolver,
  memoryReplayStore,
  type RevocationSharing,
  RsConfigError,
  remoteJwks,
  revocationList,
  type SecretsProvider,
  securityEventPoller,
  securityEventReceiver,
  staticJwks,
  type TokenCacheStore,
  type TokenCacheStoreHealth,
  tokenCache,
} from '../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
} from './helpers.js';

let issuerKey: TestSigningKey;
let bearerToken: string;

// Whatever a test leaves unhandled fails it: a rejection nobody handles ends a Node process by default.
let rejections: UnhandledRejections;
beforeAll(async () => {
  rejections = watchUnhandledRejections();
  issuerKey = await generateSigningKey('ES256', 'k1');
  bearerToken = await mint(issuerKey, { sub: 'alice', exp: NOW_S + 3600 });
});
afterEach(async () => {
  vi.restoreAllMocks();
  expect(await rejections.settle()).toEqual([]);
});
afterAll(() => {
  rejections.stop();
});

// The timeout the resolvers are configured with, and how long a test waits before calling a request hung:
// far past it, so that a loaded machine does not fail a request that keeps its bound.
const TIMEOUT_MS = 300;
const HUNG_AFTER_MS = 40 * TIMEOUT_MS;

/** What `work` settles with, or `'still pending'` once `HUNG_AFTER_MS` have passed. */
async function settledOrPending<T>(work: Promise<T>): Promise<T | 'still pending'> {
  let timer: NodeJS.Timeout | undefined;
  const pending = new Promise<'still pending'>((resolve) => {
    timer = setTimeout(() => resolve('still pending'), HUNG_AFTER_MS);
  });
  try {
    return await Promise.race([work, pending]);
  } finally {
    clearTimeout(timer);
  }
}

/** An HTTP client whose `send` never settles: one that forgets its timeout, or waits on a stuck pool. */
const neverAnswering: HttpClient = { send: () => new Promise<HttpResponse>(() => {}) };

/** An HTTP client that fails every exchange, as one would with the server down. */
const failing: HttpClient = {
  send: () => Promise.reject(new HttpClientError('ERR_RS_HTTP_NETWORK', 'connection refused')),
};

const INTROSPECTION_ENDPOINT = 'https://as.example.com/introspect';
const clientAuthentication = {
  method: 'client_secret_basic',
  clientId: 'rs',
  clientSecret: 'rs-secret',
} as const;

function introspectWith(httpClient: HttpClient, onError: (error: IntrospectionError) => unknown) {
  return introspectionResolver({
    endpoint: INTROSPECTION_ENDPOINT,
    issuer: ISSUER,
    acceptAnyAudience: true,
    clientAuthentication,
    timeout: TIMEOUT_MS,
    httpClient,
    onError: onError as (error: IntrospectionError) => void,
  });
}

const serverWith = (resolver: AccessTokenResolver) => createResourceServer({ resolver, clock: () => NOW_MS });

describe('an HTTP client whose send never settles is given up at the configured timeout (503)', () => {
  it('introspection with a fixed endpoint', async () => {
    const errors: IntrospectionError[] = [];
    const rs = serverWith(introspectWith(neverAnswering, (error) => errors.push(error)));
    const result = await settledOrPending(rs.authenticate(bearerRequest(bearerToken)));
    expect(result).not.toBe('still pending');
    expectRejected(result as Exclude<typeof result, string>, 'introspection_unavailable', 503);
    expect(errors[0]?.cause).toBeInstanceOf(HttpClientError);
    expect(errors[0]?.cause).toHaveProperty('code', 'ERR_RS_HTTP_TIMEOUT');
  });

  it('introspection discovering its endpoint', async () => {
    const errors: IntrospectionError[] = [];
    const resolver = introspectionResolver({
      issuer: ISSUER,
      acceptAnyAudience: true,
      clientAuthentication,
      timeout: TIMEOUT_MS,
      httpClient: neverAnswering,
      onError: (error) => errors.push(error),
    });
    const result = await settledOrPending(serverWith(resolver).authenticate(bearerRequest(bearerToken)));
    expect(result).not.toBe('still pending');
    expectRejected(result as Exclude<typeof result, string>, 'introspection_unavailable', 503);
    expect(errors[0]?.message).toContain(`within ${TIMEOUT_MS} ms`);
  });

  it('a remote JWK set', async () => {
    const errors: Error[] = [];
    const keys = remoteJwks({
      url: 'https://as.example.com/jwks',
      timeout: TIMEOUT_MS,
      httpClient: neverAnswering,
      onFetchError: (error) => errors.push(error),
    });
    const rs = serverWith(jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }));
    const result = await settledOrPending(rs.authenticate(bearerRequest(bearerToken)));
    expect(result).not.toBe('still pending');
    expectRejected(result as Exclude<typeof result, string>, 'keys_unavailable', 503);
    expect(errors[0]).toBeInstanceOf(HttpClientError);
    expect(errors[0]).toHaveProperty('code', 'ERR_RS_HTTP_TIMEOUT');
  });

  it("an issuer's JWK set found by discovery", async () => {
    const errors: Error[] = [];
    const keys = issuerJwks({
      issuer: ISSUER,
      timeout: TIMEOUT_MS,
      httpClient: neverAnswering,
      onFetchError: (error) => errors.push(error),
    });
    const rs = serverWith(jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }));
    const result = await settledOrPending(rs.authenticate(bearerRequest(bearerToken)));
    expect(result).not.toBe('still pending');
    expectRejected(result as Exclude<typeof result, string>, 'keys_unavailable', 503);
    expect(errors[0]?.message).toContain(`within ${TIMEOUT_MS} ms`);
  });
});

/** Hooks that fail in every way a hook can: a throw, a rejection, a `then` that throws. */
const FAILING_HOOKS: readonly [string, () => unknown][] = [
  [
    'throws',
    () => {
      throw new Error('hook bug');
    },
  ],
  ['is async and rejects', async () => Promise.reject(new Error('hook bug'))],
  [
    'returns an object whose then getter throws',
    () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what is tested.
      get then(): unknown {
        throw new Error('then getter');
      },
    }),
  ],
  [
    'returns an object whose then throws',
    () => ({
      // biome-ignore lint/suspicious/noThenProperty: a thenable is what is tested.
      then() {
        throw new Error('then');
      },
    }),
  ],
];

describe('an error hook that fails changes no answer and leaves no rejection unhandled', () => {
  it.each(FAILING_HOOKS)("introspection's onError that %s: still 503", async (_, hook) => {
    const rs = serverWith(introspectWith(failing, hook));
    expectRejected(await rs.authenticate(bearerRequest(bearerToken)), 'introspection_unavailable', 503);
  });

  it.each(FAILING_HOOKS)("a remote JWK set's onFetchError that %s: still 503", async (_, hook) => {
    const keys = remoteJwks({
      url: 'https://as.example.com/jwks',
      timeout: TIMEOUT_MS,
      httpClient: failing,
      onFetchError: hook as (error: Error) => void,
    });
    const rs = serverWith(jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }));
    expectRejected(await rs.authenticate(bearerRequest(bearerToken)), 'keys_unavailable', 503);
  });

  it.each(FAILING_HOOKS)("an issuer JWK set's onFetchError that %s: still 503", async (_, hook) => {
    const keys = issuerJwks({
      issuer: ISSUER,
      timeout: TIMEOUT_MS,
      httpClient: failing,
      onFetchError: hook as (error: Error) => void,
    });
    const rs = serverWith(jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys }));
    expectRejected(await rs.authenticate(bearerRequest(bearerToken)), 'keys_unavailable', 503);
  });

  it.each(FAILING_HOOKS)("a token cache's onStoreError that %s: the resolver answers", async (_, hook) => {
    const store: TokenCacheStore = {
      get: () => Promise.reject(new Error('store down')),
      set: () => Promise.reject(new Error('store down')),
      delete: () => {},
      clear: () => {},
    };
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
    const cache = tokenCache(resolver, {
      store,
      onStoreError: hook as (change: TokenCacheStoreHealth) => void,
    });
    expectAccepted(await serverWith(cache).authenticate(bearerRequest(bearerToken)));
  });
});

describe("an HTTP client's response that cannot be read is an unavailable server (503)", () => {
  it('introspection, when header() throws', async () => {
    const errors: IntrospectionError[] = [];
    const client: HttpClient = {
      send: async (request) => ({
        status: 200,
        body: new TextEncoder().encode(JSON.stringify({ active: true, sub: 'alice' })),
        header() {
          // A client's bug may quote what it was sent: the form, with the token.
          throw new Error(`cannot read headers of ${request.body}`);
        },
      }),
    };
    const rs = serverWith(introspectWith(client, (error) => errors.push(error)));
    expectRejected(await rs.authenticate(bearerRequest(bearerToken)), 'introspection_unavailable', 503);
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).not.toContain(bearerToken);
    expect(rs.status().dependencies[0]).not.toHaveProperty('lastError', expect.stringContaining(bearerToken));
  });
});

describe('a token cache store whose get answers no cached answer: a miss, told, never a failed request', () => {
  const WRONG_SHAPES: readonly [string, unknown][] = [
    ['info that is a string', { info: 'x', usableUntil: NOW_MS + 60_000, storedAt: NOW_MS }],
    ['a null failure', { failure: null, usableUntil: NOW_MS + 60_000, storedAt: NOW_MS }],
    ['a failure without a code', { failure: {}, usableUntil: NOW_MS + 60_000, storedAt: NOW_MS }],
    ['info without claims', { info: { scopes: new Set() }, usableUntil: NOW_MS + 60_000 }],
    ['no usableUntil', { failure: { code: 'token_inactive', description: 'inactive' } }],
    ['a string', 'stored-claims-of-alice'],
    ['null', null],
    ['a number', 42],
  ];

  it.each(WRONG_SHAPES)('%s', async (_, answer) => {
    const changes: TokenCacheStoreHealth[] = [];
    const store: TokenCacheStore = {
      get: async () => answer as CachedAnswer,
      set: () => {},
      delete: () => {},
      clear: () => {},
    };
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
    const cache = tokenCache(resolver, { store, onStoreError: (change) => changes.push(change) });
    const rs = serverWith(cache);
    expect(expectAccepted(await rs.authenticate(bearerRequest(bearerToken))).subject).toBe('alice');
    expect(cache.stats()).toMatchObject({ hits: 0, misses: 1, storeErrors: 1 });
    // The write of the resolver's answer that follows works: told as recovered.
    expect(changes[0]).toEqual({ state: 'failing', error: expect.any(TypeError), storeErrors: 1 });
    // Named by its type only: what a store holds may be a token's claims.
    expect(String((changes[0] as { error: Error }).error.message)).not.toContain('stored-claims-of-alice');
  });

  it('still serves an answer of the right shape', async () => {
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
    const cache = tokenCache(resolver);
    const rs = serverWith(cache);
    expectAccepted(await rs.authenticate(bearerRequest(bearerToken)));
    expectAccepted(await rs.authenticate(bearerRequest(bearerToken)));
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 1, storeErrors: 0 });
  });
});

describe('a secrets provider that throws while keys are settled: its text is not repeated', () => {
  const throwing = (thrown: () => unknown): SecretsProvider => ({
    verificationKeys: () => {
      throw thrown();
    },
    decryptionKeys: () => {
      throw thrown();
    },
  });

  it.each([
    ['an Error quoting the secret', () => new Error('bad key material: c2VjcmV0LXZhbHVl')],
    ['a string', () => 'c2VjcmV0LXZhbHVl'],
    [
      'an object whose message getter throws',
      () => ({
        get message(): string {
          throw new Error('message getter');
        },
      }),
    ],
  ])('%s', (_, thrown) => {
    for (const secretIdOption of ['verificationSecretId', 'decryptionSecretId'] as const) {
      let failure: unknown;
      try {
        jwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          secrets: throwing(thrown),
          [secretIdOption]: 'am.hmac',
        });
      } catch (error) {
        failure = error;
      }
      expect(failure).toBeInstanceOf(RsConfigError);
      expect((failure as RsConfigError).message).toContain('the secrets provider cannot resolve it');
      expect((failure as RsConfigError).message).not.toContain('c2VjcmV0LXZhbHVl');
      expect((failure as RsConfigError).cause).toBeDefined();
    }
  });

  it("repeats an RsConfigError's own text", () => {
    const refused = new RsConfigError('jwt.verificationSecretId', 'no store knows am.hmac');
    expect(() =>
      jwtResolver({
        issuer: ISSUER,
        audience: AUDIENCE,
        secrets: throwing(() => refused),
        verificationSecretId: 'am.hmac',
      }),
    ).toThrow(refused);
  });
});

describe('a security event poller and a revocation list with application code that fails', () => {
  function pollerWith(httpClient: HttpClient, onError?: (error: unknown) => unknown) {
    const receiver = securityEventReceiver({
      issuer: 'https://ssf.example.com',
      audience: 'https://api.example.com/ssf',
      keys: staticJwks(jwksOf(issuerKey)),
      replayStore: memoryReplayStore(),
      revocations: revocationList(),
    });
    return securityEventPoller({
      // Never contacted: the client under test answers (or does not) in its place.
      endpoint: 'https://ssf.example.com/poll',
      receiver,
      httpClient,
      timeout: TIMEOUT_MS,
      interval: 10,
      returnImmediately: true,
      ...(onError === undefined ? {} : { onError: onError as (error: unknown) => void }),
    });
  }

  it('gives up a poll whose HTTP client never settles at the configured timeout', async () => {
    const outcome = await settledOrPending(
      pollerWith(neverAnswering)
        .pollOnce()
        .catch((error: unknown) => error),
    );
    expect(outcome).toBeInstanceOf(HttpClientError);
    expect((outcome as HttpClientError).code).toBe('ERR_RS_HTTP_TIMEOUT');
  });

  it.each(FAILING_HOOKS)(
    "a poller's onError that %s: polling goes on, nothing unhandled",
    async (_, hook) => {
      let calls = 0;
      const failing: HttpClient = {
        send: async () => {
          calls++;
          throw new HttpClientError(
            'ERR_RS_HTTP_NETWORK',
            'https://ssf.example.com/poll could not be reached',
          );
        },
      };
      const poller = pollerWith(failing, hook);
      poller.start();
      // Failed polls are retried after a back-off: the loop is still polling after the hook failed.
      await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(2), { timeout: HUNG_AFTER_MS });
      await poller.stop();
    },
  );

  it.each(FAILING_HOOKS)("a revocation list's onError that %s: the revocation completes", async (_, hook) => {
    const sharing: RevocationSharing = {
      publishRevocation: async () => {
        throw new Error('the sharing is down');
      },
      onRevocation: () => () => {},
    };
    const revocations = revocationList({ share: sharing, onError: hook as (error: unknown) => void });
    await revocations.revoke({ by: 'sub', value: 'alice' });
    expect(revocations.stats()).toMatchObject({ revocations: 1, shareErrors: 1 });
  });
});
