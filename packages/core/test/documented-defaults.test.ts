import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKey, jwksOf, jwsOfLength, signSecurityEvent, type TestSigningKey } from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { failure } from '../src/errors/failure.js';
import {
  type AccessTokenResolver,
  createContext,
  createResourceServer,
  envSecretStore,
  introspectionResolver,
  issuerJwks,
  jwtResolver,
  memoryReplayStore,
  type Outcome,
  pushDeliveryHandler,
  RsConfigError,
  remoteJwks,
  revocationList,
  rotatingDpopNonces,
  securityEventPoller,
  securityEventReceiver,
  staticDecryptionKeys,
  staticJwks,
  type TokenCacheStore,
  type TokenInfo,
  tokenCache,
  tokenInfoFromClaims,
  upstreamHeaders,
} from '../src/index.js';
import { dpopKey, dpopRequest, makeProof } from './dpop-setup.js';
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
  withKid,
} from './helpers.js';

// Every default and limit the README and TSDoc state for core's factories, each proven by what it does
// when left out: a token or an answer just inside and just past it, on an injected clock or against a
// loopback server. A default changed without its documentation fails here.

/** One request a loopback server received: when its body had arrived, and what it said. */
interface Hit {
  readonly at: number;
  readonly authorization: string | undefined;
  readonly body: string;
}

/** A loopback HTTP server answering every request with `answer`, counting them. */
interface Loopback {
  readonly url: string;
  readonly hits: Hit[];
  close(): Promise<void>;
}

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function loopback(
  answer: (response: ServerResponse, index: number, path: string) => void,
): Promise<Loopback> {
  const hits: Hit[] = [];
  const server = createServer(async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const body = Buffer.concat(chunks).toString('utf8');
    hits.push({ at: performance.now(), authorization: request.headers.authorization, body });
    response.on('error', () => undefined);
    answer(response, hits.length - 1, request.url ?? '/');
  });
  server.keepAliveTimeout = 1000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const handle: Loopback = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(handle);
  return handle;
}

function json(response: ServerResponse, body: string, status = 200): void {
  response
    .writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) })
    .end(body);
}

/** A body of exactly `bytes` bytes: `document` as JSON, padded with trailing white space. */
function paddedJson(document: unknown, bytes: number): string {
  const text = JSON.stringify(document);
  if (text.length > bytes) throw new Error(`${text.length} bytes do not fit in ${bytes}`);
  return text + ' '.repeat(bytes - text.length);
}

/** Waits until `condition` holds: for a fetch running in the background. */
async function until(condition: () => boolean): Promise<void> {
  for (let waited = 0; !condition(); waited += 10) {
    if (waited > 10_000) throw new Error('condition never held');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A token of exactly `length` characters signed by `key`. */
function tokenOfLength(key: TestSigningKey, length: number): Promise<string> {
  return jwsOfLength(length, (pad, variant) =>
    mint(withKid(key, `${key.kid}${'-'.repeat(variant)}`), { pad: 'x'.repeat(pad) }),
  );
}

let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'defaults');
});

describe('jwtResolver defaults', () => {
  const resolverOf = (
    keys = staticJwks(jwksOf(key, withKid(key, 'defaults-'), withKid(key, 'defaults--'))),
  ) => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });

  it('skewAllowance is 0: a token expires at its exp to the millisecond, and is valid from its nbf', async () => {
    const resolver = resolverOf();
    const token = await mint(key, { exp: NOW_S + 100, nbf: NOW_S + 10 });
    expectSuccess(await resolveAt(resolver, token, (NOW_S + 100) * 1000 - 1));
    expectFailure(await resolveAt(resolver, token, (NOW_S + 100) * 1000), 'token_expired');
    expectSuccess(await resolveAt(resolver, token, (NOW_S + 10) * 1000));
    expectFailure(await resolveAt(resolver, token, (NOW_S + 10) * 1000 - 1), 'token_not_yet_valid');
  });

  it('maxTokenLength is 16 384 characters', async () => {
    const resolver = resolverOf();
    expectSuccess(await resolveAt(resolver, await tokenOfLength(key, 16_384)));
    expectFailure(await resolveAt(resolver, await tokenOfLength(key, 16_385)), 'token_too_large');
  });

  it('a token without kid is checked against at most 3 keys', async () => {
    const others = await Promise.all([1, 2, 3].map((n) => generateSigningKey('ES256', `other-${n}`)));
    const token = await mint({ ...key, kid: undefined } as unknown as TestSigningKey);
    const unnamed = (k: TestSigningKey) => ({ ...k.publicJwk, kid: undefined });
    const third = staticJwks({ keys: [unnamed(others[0]!), unnamed(others[1]!), unnamed(key)] });
    const fourth = staticJwks({ keys: [...others.map(unnamed), unnamed(key)] });
    expectSuccess(await resolveAt(resolverOf(third), token));
    expectFailure(await resolveAt(resolverOf(fourth), token), 'signature_invalid');
  });
});

describe('remoteJwks defaults', () => {
  const setOf = (...keys: TestSigningKey[]) => JSON.stringify(jwksOf(...keys));

  it('timeout is 5 s: a server that never answers fails the fetch after 5 s, not before', async () => {
    const server = await loopback(() => undefined);
    const errors: Error[] = [];
    const keys = remoteJwks({ url: server.url, onFetchError: (error) => errors.push(error) });
    const started = performance.now();
    await expect(keys.preload()).rejects.toMatchObject({ code: 'ERR_RS_HTTP_TIMEOUT' });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4_990);
    // Far from the next plausible default (10 s), generous for a loaded machine.
    expect(elapsed).toBeLessThan(9_000);
  }, 20_000);

  it('maxResponseBytes is 256 KiB: a set of exactly 262 144 bytes is read, one byte more is refused', async () => {
    const body = (bytes: number) => paddedJson(jwksOf(key), bytes);
    const exact = await loopback((response) => json(response, body(262_144)));
    await remoteJwks({ url: exact.url, onFetchError: () => undefined }).preload();
    const over = await loopback((response) => json(response, body(262_145)));
    await expect(
      remoteJwks({ url: over.url, onFetchError: () => undefined }).preload(),
    ).rejects.toMatchObject({
      code: 'ERR_RS_HTTP_TOO_LARGE',
    });
  });

  it('a set holds at most 100 keys', async () => {
    const many = (count: number) => ({
      keys: Array.from({ length: count }, (_, n) => ({ ...key.publicJwk, kid: `k${n}` })),
    });
    const hundred = await loopback((response) => json(response, JSON.stringify(many(100))));
    await remoteJwks({ url: hundred.url, onFetchError: () => undefined }).preload();
    const more = await loopback((response) => json(response, JSON.stringify(many(101))));
    await expect(
      remoteJwks({ url: more.url, onFetchError: () => undefined }).preload(),
    ).rejects.toMatchObject({
      code: 'ERR_RS_JWKS_MALFORMED',
    });
  });

  it('a set nested 32 levels deep is read, 33 levels is refused as malformed', async () => {
    // The set itself is the first level; a member of it nests the rest.
    const nested = (levels: number) => {
      const inner = `${'['.repeat(levels - 1)}${']'.repeat(levels - 1)}`;
      return `{"keys":${JSON.stringify(jwksOf(key).keys)},"nested":${inner}}`;
    };
    const deepest = await loopback((response) => json(response, nested(32)));
    await remoteJwks({ url: deepest.url, onFetchError: () => undefined }).preload();
    const deeper = await loopback((response) => json(response, nested(33)));
    await expect(
      remoteJwks({ url: deeper.url, onFetchError: () => undefined }).preload(),
    ).rejects.toMatchObject({ code: 'ERR_RS_JWKS_MALFORMED' });
  });

  it('cacheMaxAge is 10 minutes: the set is refreshed at 600 000 ms, not before', async () => {
    const server = await loopback((response) => json(response, setOf(key)));
    const keys = remoteJwks({ url: server.url });
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    const token = await mint(key, { exp: NOW_S + 86_400 });
    expectSuccess(await resolveAt(resolver, token, NOW_MS));
    expect(server.hits).toHaveLength(1);
    // A background refresh is counted when it starts, before any byte is sent.
    expectSuccess(await resolveAt(resolver, token, NOW_MS + 599_999));
    expect(keys.stats().fetches).toBe(1);
    expectSuccess(await resolveAt(resolver, token, NOW_MS + 600_000));
    expect(keys.stats().fetches).toBe(2);
    await until(() => server.hits.length === 2);
  });

  it('minFetchInterval is 5 s and unknownKidFetchesPerMinute is 6', async () => {
    const server = await loopback((response) => json(response, setOf(key)));
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: remoteJwks({ url: server.url }),
    });
    expectSuccess(await resolveAt(resolver, await mint(key, { exp: NOW_S + 86_400 }), NOW_MS));
    const unknown = () => mint(withKid(key, `unknown-${crypto.randomUUID()}`), { exp: NOW_S + 86_400 });
    // 4 999 ms after the first fetch: no fetch yet.
    expectFailure(await resolveAt(resolver, await unknown(), NOW_MS + 4_999), 'unknown_key');
    expect(server.hits).toHaveLength(1);
    // From 5 s on, one fetch every 5 s for unknown kids, six of them in the minute that follows the first.
    for (let n = 1; n <= 6; n++) {
      expectFailure(await resolveAt(resolver, await unknown(), NOW_MS + n * 5_000), 'unknown_key');
      expect(server.hits).toHaveLength(1 + n);
    }
    // The seventh within 60 s of the first of them (at 5 s) is refused without a fetch.
    expectFailure(await resolveAt(resolver, await unknown(), NOW_MS + 64_999), 'unknown_key');
    expect(server.hits).toHaveLength(7);
    expectFailure(await resolveAt(resolver, await unknown(), NOW_MS + 65_000), 'unknown_key');
    expect(server.hits).toHaveLength(8);
  });

  it('retryDelay is 1 s and maxRetryDelay 10 s: fetches after failures wait 1, 2, 4, 8, 10, 10 s', async () => {
    const server = await loopback((response) => json(response, '{}', 500));
    const keys = remoteJwks({ url: server.url, onFetchError: () => undefined });
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    const token = await mint(key, { exp: NOW_S + 86_400 });
    let now = NOW_MS;
    expectFailure(await resolveAt(resolver, token, now), 'keys_unavailable');
    for (const [n, wait] of [1_000, 2_000, 4_000, 8_000, 10_000, 10_000].entries()) {
      // The wait runs from when the fetch failed: its start plus the (real) time it took.
      const failedAt = keys.health(now)[0]!.lastFailureAt!;
      expectFailure(await resolveAt(resolver, token, failedAt + wait - 1), 'keys_unavailable');
      expect(server.hits).toHaveLength(1 + n);
      now = failedAt + wait;
      expectFailure(await resolveAt(resolver, token, now), 'keys_unavailable');
      expect(server.hits).toHaveLength(2 + n);
    }
  });
});

describe('introspectionResolver defaults', () => {
  const active = { active: true, sub: 'alice', aud: AUDIENCE, exp: NOW_S + 3_600 };
  const resolverAt = (url: string) =>
    introspectionResolver({
      endpoint: url,
      audience: AUDIENCE,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      onError: () => undefined,
    });

  it('retries is 1 and retryDelay 100 ms: a failing endpoint is called twice, the second at least 100 ms later', async () => {
    const server = await loopback((response) => json(response, '{}', 500));
    expectFailure(await resolveAt(resolverAt(server.url), 'opaque'), 'introspection_unavailable');
    expect(server.hits).toHaveLength(2);
    expect(server.hits[1]!.at - server.hits[0]!.at).toBeGreaterThanOrEqual(99);
  });

  it('timeout is 5 s for the whole introspection', async () => {
    const server = await loopback(() => undefined);
    const started = performance.now();
    expectFailure(await resolveAt(resolverAt(server.url), 'opaque'), 'introspection_unavailable');
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4_990);
    expect(elapsed).toBeLessThan(9_000);
  }, 20_000);

  it('maxResponseBytes is 64 KiB: an answer of 65 536 bytes is read, one byte more is refused', async () => {
    const exact = await loopback((response) => json(response, paddedJson(active, 65_536)));
    expectSuccess(await resolveAt(resolverAt(exact.url), 'opaque'));
    const over = await loopback((response) => json(response, paddedJson(active, 65_537)));
    expectFailure(await resolveAt(resolverAt(over.url), 'opaque'), 'introspection_unavailable');
  });

  it('maxTokenLength is 16 384 characters: a longer token is refused before any call', async () => {
    const server = await loopback((response) => json(response, JSON.stringify(active)));
    const resolver = resolverAt(server.url);
    expectSuccess(await resolveAt(resolver, 'a'.repeat(16_384)));
    expect(server.hits).toHaveLength(1);
    expectFailure(await resolveAt(resolver, 'a'.repeat(16_385)), 'token_too_large');
    expect(server.hits).toHaveLength(1);
  });

  it('skewAllowance is 0: an answer is expired at its exp', async () => {
    const server = await loopback((response) => json(response, JSON.stringify(active)));
    const resolver = resolverAt(server.url);
    expectSuccess(await resolveAt(resolver, 'opaque', (NOW_S + 3_600) * 1000 - 1));
    expectFailure(await resolveAt(resolver, 'opaque', (NOW_S + 3_600) * 1000), 'token_expired');
  });
});

describe('tokenCache defaults', () => {
  /** A resolver answering every token as valid for a day (or refusing it), counting its calls. */
  function countingResolver(refuse = false): AccessTokenResolver & { calls: number } {
    const resolver = {
      cacheNamespace: 'documented-defaults',
      calls: 0,
      async resolve(token: string): Promise<Outcome<TokenInfo>> {
        resolver.calls++;
        if (refuse) return { ok: false, failure: failure('token_inactive', 'inactive') };
        return { ok: true, value: tokenInfoFromClaims({ sub: token, exp: NOW_S + 86_400 }, 'introspection') };
      },
    };
    return resolver;
  }

  it.each([
    ['ttl is 60 s', {}, 60_000, false],
    ['maxTtl is 5 minutes', { ttl: 600_000 }, 300_000, false],
    ['negativeTtl is 5 s', {}, 5_000, true],
  ])('%s', async (_, options, lifetime, refuse) => {
    const inner = countingResolver(refuse);
    const cache = tokenCache(inner, options);
    await resolveAt(cache, 'token', NOW_MS);
    await resolveAt(cache, 'token', NOW_MS + lifetime - 1);
    expect(inner.calls).toBe(1);
    await resolveAt(cache, 'token', NOW_MS + lifetime);
    expect(inner.calls).toBe(2);
  });

  it('maxEntries is 10 000', async () => {
    const inner = countingResolver();
    const cache = tokenCache(inner);
    for (let n = 0; n < 10_000; n++) await resolveAt(cache, `token-${n}`, NOW_MS);
    expect(cache.stats().evictions).toBe(0);
    await resolveAt(cache, 'token-10000', NOW_MS);
    expect(cache.stats().evictions).toBe(1);
  });

  it('refusals take at most a tenth of maxEntries: 1 000', async () => {
    const inner = countingResolver(true);
    const cache = tokenCache(inner);
    for (let n = 0; n < 1_000; n++) await resolveAt(cache, `refused-${n}`, NOW_MS);
    expect(cache.stats().evictions).toBe(0);
    await resolveAt(cache, 'refused-1000', NOW_MS);
    expect(cache.stats().evictions).toBe(1);
  });
});

describe('revocationList defaults', () => {
  it('markerTtl is 1 hour: a revoked JWT is refused until an hour after the revocation', async () => {
    const revokedAt = NOW_MS + 1_000;
    const revocations = revocationList({ clock: () => revokedAt });
    const resolver = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      revocations,
    });
    const token = await mint(key, { exp: NOW_S + 86_400, jti: 'revoked-jti' });
    await revocations.revoke({ by: 'jti', value: 'revoked-jti' });
    expectFailure(await resolveAt(resolver, token, revokedAt + 3_600_000 - 1), 'token_revoked');
    expectSuccess(await resolveAt(resolver, token, revokedAt + 3_600_000));
  });

  it('maxMarkers is 100 000: the oldest marker is dropped at the 100 001st', async () => {
    const revocations = revocationList({ clock: () => NOW_MS + 1_000 });
    for (let n = 0; n < 100_000; n++) await revocations.revoke({ by: 'jti', value: `jti-${n}` });
    expect(revocations.stats()).toMatchObject({ droppedMarkers: 0 });
    await revocations.revoke({ by: 'jti', value: 'jti-100000' });
    expect(revocations.stats()).toMatchObject({ droppedMarkers: 1 });
  });
});

describe('dpop defaults', () => {
  const resolver = () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  const serverAt = (now: number) =>
    createResourceServer({ resolver: resolver(), dpop: true, clock: () => now });

  it('iatWindow is 60 s either side of now', async () => {
    const client = await dpopKey();
    const token = await mint(key, { exp: NOW_S + 86_400, cnf: { jkt: client.jkt } });
    const server = serverAt(NOW_MS);
    for (const iat of [NOW_S - 60, NOW_S + 60]) {
      expectAccepted(
        await server.authenticate(dpopRequest(token, await makeProof(client, { iat }, { token }))),
      );
    }
    for (const iat of [NOW_S - 61, NOW_S + 61]) {
      expectRejected(
        await server.authenticate(dpopRequest(token, await makeProof(client, { iat }, { token }))),
        'dpop_iat_invalid',
      );
    }
  });

  it('maxProofLength is 8 192 characters', async () => {
    const client = await dpopKey();
    const token = await mint(key, { exp: NOW_S + 86_400, cnf: { jkt: client.jkt } });
    const server = serverAt(NOW_MS);
    const proofOfLength = (length: number) =>
      jwsOfLength(length, (pad, variant) =>
        makeProof(client, { pad: 'x'.repeat(pad) }, { token, header: { v: '-'.repeat(variant) } }),
      );
    expectAccepted(await server.authenticate(dpopRequest(token, await proofOfLength(8_192))));
    expectRejected(
      await server.authenticate(dpopRequest(token, await proofOfLength(8_193))),
      'dpop_proof_invalid',
    );
  });

  it('a used proof is refused as a replay for as long as the iat window accepts it', async () => {
    const client = await dpopKey();
    const token = await mint(key, { exp: NOW_S + 86_400, cnf: { jkt: client.jkt } });
    const proof = await makeProof(client, { iat: NOW_S }, { token });
    let now = NOW_MS;
    const server = createResourceServer({ resolver: resolver(), dpop: true, clock: () => now });
    expectAccepted(await server.authenticate(dpopRequest(token, proof)));
    now = NOW_MS + 60_000;
    expectRejected(await server.authenticate(dpopRequest(token, proof)), 'dpop_replayed');
    now = NOW_MS + 61_000;
    expectRejected(await server.authenticate(dpopRequest(token, proof)), 'dpop_iat_invalid');
  });

  it('memoryReplayStore holds 100 000 proofs before it drops the oldest', async () => {
    const store = memoryReplayStore({ clock: () => NOW_MS });
    for (let n = 0; n < 100_000; n++) await store.remember(`proof-${n}`, 60_000);
    expect(store.evictions()).toBe(0);
    expect(await store.remember('proof-0', 60_000)).toBe(false);
    expect(await store.remember('proof-100000', 60_000)).toBe(true);
    expect(store.evictions()).toBe(1);
  });
});

describe('tokenCache: a store operation is given 5 s', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a read that never settles counts as a failing store after 5 000 ms, not before', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const never = () => new Promise<never>(() => {});
    const store: TokenCacheStore = {
      get: never,
      set: never,
      delete: never,
      clear: never,
      deleteLabelled: never,
    };
    const changes: unknown[] = [];
    const resolver: AccessTokenResolver = {
      cacheNamespace: 'documented-defaults',
      resolve: async () => ({
        ok: true,
        value: tokenInfoFromClaims({ sub: 'alice', exp: NOW_S + 3_600 }, 'introspection'),
      }),
    };
    const cache = tokenCache(resolver, { store, onStoreError: (change) => changes.push(change) });
    void cache.resolve('token', { request: bearerRequest('token'), now: NOW_MS });
    // Real I/O (hashing the token) before the read starts.
    for (let turn = 0; turn < 50; turn++) await new Promise((resolve) => setImmediate(resolve));
    await vi.advanceTimersByTimeAsync(4_999);
    expect(changes).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(changes).toHaveLength(1);
  });
});

describe('remoteJwks: a misconfiguration is written to console.error at most once a minute', () => {
  afterEach(() => {
    vi.useRealTimers();
    vi.restoreAllMocks();
  });

  it('a second 404 within 60 s of the first line writes nothing; at 60 s it writes again', async () => {
    const server = await loopback((response) => json(response, '{}', 404));
    const written = vi.spyOn(console, 'error').mockImplementation(() => undefined);
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(NOW_MS);
    const keys = remoteJwks({ url: server.url, retryDelay: 1, maxRetryDelay: 1 });
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
    const token = await mint(key, { exp: NOW_S + 86_400 });
    expectFailure(await resolveAt(resolver, token, NOW_MS), 'keys_unavailable');
    expect(written).toHaveBeenCalledTimes(1);
    vi.setSystemTime(NOW_MS + 59_999);
    expectFailure(await resolveAt(resolver, token, NOW_MS + 1_000), 'keys_unavailable');
    expect(server.hits).toHaveLength(2);
    expect(written).toHaveBeenCalledTimes(1);
    vi.setSystemTime(NOW_MS + 60_000);
    expectFailure(await resolveAt(resolver, token, NOW_MS + 2_000), 'keys_unavailable');
    expect(server.hits).toHaveLength(3);
    expect(written).toHaveBeenCalledTimes(2);
  });
});

describe('securityEventReceiver defaults', () => {
  const TRANSMITTER = 'https://ssf.example.com';
  const RECEIVER = 'https://api.example.com/ssf';
  const IGNORED = { 'https://example.com/event-type/other': {} };
  const receiverAt = (now: number) =>
    securityEventReceiver({
      issuer: TRANSMITTER,
      audience: RECEIVER,
      keys: staticJwks(jwksOf(key, withKid(key, `${key.kid}-`), withKid(key, `${key.kid}--`))),
      replayStore: memoryReplayStore({ clock: () => now }),
      revocations: revocationList({ clock: () => now }),
      clock: () => now,
    });
  const set = (issuedAt: number, claims: Record<string, unknown> = {}, signer = key) =>
    signSecurityEvent(signer, IGNORED, { issuer: TRANSMITTER, audience: RECEIVER, issuedAt, claims });

  it('maxAge is 5 minutes and skew 60 s: iat from 360 s before now to 60 s after', async () => {
    const receiver = receiverAt(NOW_MS);
    for (const iat of [NOW_S - 360, NOW_S + 60])
      expect((await receiver.receive(await set(iat))).ok).toBe(true);
    for (const iat of [NOW_S - 361, NOW_S + 61])
      expect((await receiver.receive(await set(iat))).ok).toBe(false);
  });

  const setOfLength = (length: number) =>
    jwsOfLength(length, (pad, variant) =>
      set(NOW_S, { pad: 'x'.repeat(pad) }, withKid(key, `${key.kid}${'-'.repeat(variant)}`)),
    );

  it('maxLength is 64 KiB', async () => {
    const receiver = receiverAt(NOW_MS);
    expect((await receiver.receive(await setOfLength(65_536))).ok).toBe(true);
    expect(await receiver.receive(await setOfLength(65_537))).toMatchObject({
      ok: false,
      refusal: { description: 'The SET is missing or too large' },
    });
  });

  it('pushDeliveryHandler reads a body of at most 64 KiB', async () => {
    const handler = pushDeliveryHandler(receiverAt(NOW_MS));
    const push = async (length: number) =>
      handler(
        new Request('https://api.example.com/ssf/events', {
          method: 'POST',
          headers: { 'content-type': 'application/secevent+jwt' },
          body: await setOfLength(length),
        }),
      );
    expect((await push(65_536)).status).toBe(202);
    expect((await push(65_537)).status).toBe(400);
  });
});

describe('certificateHeader: maxLength is 16 384', () => {
  it('a header of 16 385 characters is refused as too large, one of 16 384 is read', async () => {
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    const server = createResourceServer({
      resolver,
      clock: () => NOW_MS,
      certificateHeader: { name: 'x-client-cert', format: 'pem' },
    });
    const token = await mint(key, { cnf: { 'x5t#S256': 'A'.repeat(43) } });
    const withHeader = (length: number) =>
      server.authenticate(
        bearerRequest(token, {
          headers: { authorization: `Bearer ${token}`, 'x-client-cert': 'A'.repeat(length) },
        }),
      );
    const over = expectRejected(await withHeader(16_385), 'certificate_header_invalid');
    expect(over.description).toBe('The client certificate header is too large');
    const read = expectRejected(await withHeader(16_384), 'certificate_header_invalid');
    expect(read.description).not.toBe('The client certificate header is too large');
  });
});

describe('introspectionResolver: a client secret from a store is read again every 300 s', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('a rotated secret is sent from 300 000 ms after the last read, not before', async () => {
    const server = await loopback((response) => json(response, JSON.stringify({ active: false })));
    // Only the monotonic clock the refresh interval is counted on is fake; HTTP runs for real.
    vi.useFakeTimers({ toFake: ['performance'] });
    const env: Record<string, string | undefined> = { RS_SECRET: 'first-secret' };
    const resolver = introspectionResolver({
      endpoint: server.url,
      audience: AUDIENCE,
      clientAuthentication: {
        method: 'client_secret_basic',
        clientId: 'rs',
        clientSecret: { store: envSecretStore({ env, format: 'plain' }), secretId: 'rs.secret' },
      },
      onError: () => undefined,
    });
    const sentSecret = async () => {
      expectFailure(await resolveAt(resolver, `opaque-${crypto.randomUUID()}`), 'token_inactive');
      return atob(server.hits.at(-1)!.authorization!.slice('Basic '.length)).split(':')[1];
    };
    expect(await sentSecret()).toBe('first-secret');
    env.RS_SECRET = 'second-secret';
    vi.advanceTimersByTime(299_999);
    expect(await sentSecret()).toBe('first-secret');
    vi.advanceTimersByTime(1);
    expect(await sentSecret()).toBe('second-secret');
  });
});

describe('rotatingDpopNonces: lifetime is 300 s', () => {
  it('a nonce made at the start of its slot is accepted for two slots of 300 s, and no longer', async () => {
    const nonces = rotatingDpopNonces({ secret: 'a shared secret of at least thirty-two bytes' });
    const slotStart = Math.ceil(NOW_MS / 300_000) * 300_000;
    const nonce = await nonces.current(slotStart);
    expect(await nonces.current(slotStart + 299_999)).toBe(nonce);
    expect(await nonces.current(slotStart + 300_000)).not.toBe(nonce);
    expect(await nonces.isValid(nonce, slotStart + 599_999)).toBe(true);
    expect(await nonces.isValid(nonce, slotStart + 600_000)).toBe(false);
  });
});

describe('securityEventPoller defaults', () => {
  const receiver = () =>
    securityEventReceiver({
      issuer: 'https://ssf.example.com',
      audience: 'https://api.example.com/ssf',
      keys: staticJwks(jwksOf(key)),
      replayStore: memoryReplayStore(),
      revocations: revocationList(),
    });

  it('maxEvents is 25 and returnImmediately false (long polling)', async () => {
    const server = await loopback((response) => json(response, '{"sets":{}}'));
    const poller = securityEventPoller({ endpoint: server.url, receiver: receiver() });
    await poller.pollOnce();
    expect(JSON.parse(server.hits[0]!.body)).toMatchObject({ maxEvents: 25, returnImmediately: false });
  });

  it('maxResponseBytes is 1 MiB: an answer of 1 048 576 bytes is read, one byte more is refused', async () => {
    for (const [bytes, fails] of [
      [1_048_576, false],
      [1_048_577, true],
    ] as const) {
      const server = await loopback((response) => json(response, paddedJson({ sets: {} }, bytes)));
      const errors: unknown[] = [];
      const poller = securityEventPoller({
        endpoint: server.url,
        receiver: receiver(),
        onError: (e) => errors.push(e),
      });
      const outcome = await poller.pollOnce().then(
        () => 'read',
        (error: { code?: string }) => error.code,
      );
      expect(outcome).toBe(fails ? 'ERR_RS_HTTP_TOO_LARGE' : 'read');
    }
  });

  it('interval is 5 s: a long poll answered at once without SETs is followed by the next 5 s after it began', async () => {
    const server = await loopback((response) => json(response, '{"sets":{}}'));
    const poller = securityEventPoller({
      endpoint: server.url,
      receiver: receiver(),
      onError: () => undefined,
    });
    poller.start();
    try {
      await until(() => server.hits.length === 2);
    } finally {
      await poller.stop();
    }
    const gap = server.hits[1]!.at - server.hits[0]!.at;
    expect(gap).toBeGreaterThanOrEqual(4_990);
    expect(gap).toBeLessThan(9_000);
  }, 20_000);
});

describe('issuerJwks defaults', () => {
  /** An authorization server on loopback whose RFC 8414 metadata is `metadata(origin)` as `bytes` bytes. */
  async function issuerServing(bytes: number) {
    let origin = '';
    const server = await loopback((response, _, path) => {
      if (path === '/.well-known/oauth-authorization-server')
        json(response, paddedJson({ issuer: origin, jwks_uri: `${origin}/jwks` }, bytes));
      else json(response, JSON.stringify(jwksOf(key)));
    });
    origin = new URL(server.url).origin;
    return { server, origin };
  }

  it('metadata of 64 KiB is read, one byte more is refused as wrong metadata', async () => {
    const exact = await issuerServing(65_536);
    await issuerJwks({ issuer: exact.origin, onFetchError: () => undefined }).preload();
    const over = await issuerServing(65_537);
    await expect(
      issuerJwks({ issuer: over.origin, onFetchError: () => undefined }).preload(),
    ).rejects.toMatchObject({
      code: 'ERR_RS_DISCOVERY_INVALID',
    });
  });

  it('timeout is 5 s for the metadata request', async () => {
    const server = await loopback(() => undefined);
    const keys = issuerJwks({ issuer: new URL(server.url).origin, onFetchError: () => undefined });
    const started = performance.now();
    // Reported as the metadata that could not be had, the timeout its cause.
    await expect(keys.preload()).rejects.toMatchObject({
      code: 'ERR_RS_DISCOVERY_UNAVAILABLE',
      cause: { code: 'ERR_RS_HTTP_TIMEOUT' },
    });
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(4_990);
    expect(elapsed).toBeLessThan(9_000);
  }, 20_000);
});

describe('introspectionResolver: a failed discovery is asked again after 1 s, doubled up to 10 s', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('waits 1, 2, 4, 8, 10 and 10 s between metadata requests while they fail', async () => {
    const server = await loopback((response) => json(response, '{}', 500));
    // Only the monotonic clock the wait is counted on is fake; HTTP runs for real.
    vi.useFakeTimers({ toFake: ['performance'] });
    const resolver = introspectionResolver({
      issuer: new URL(server.url).origin,
      audience: AUDIENCE,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      onError: () => undefined,
    });
    const ask = async () =>
      expectFailure(await resolveAt(resolver, `opaque-${crypto.randomUUID()}`), 'introspection_unavailable');
    await ask();
    const afterFirst = server.hits.length;
    expect(afterFirst).toBeGreaterThan(0);
    for (const wait of [1_000, 2_000, 4_000, 8_000, 10_000, 10_000]) {
      const asked = server.hits.length;
      vi.advanceTimersByTime(wait - 1);
      await ask();
      expect(server.hits).toHaveLength(asked);
      vi.advanceTimersByTime(1);
      await ask();
      expect(server.hits).toHaveLength(asked + afterFirst);
    }
  });
});

describe('upstreamHeaders: maxValueLength is 4096', () => {
  it('a value of 4096 characters is forwarded, one of 4097 is left out', () => {
    const forwarded = upstreamHeaders({ claims: ['note'] });
    const forNote = (length: number) =>
      forwarded.forContext(
        createContext(
          tokenInfoFromClaims({ sub: 'alice', note: 'n'.repeat(length) }, 'introspection'),
          'raw',
          'authorization-header',
        ),
      );
    expect(forNote(4_096)).toEqual({ 'x-token-note': 'n'.repeat(4_096) });
    expect(forNote(4_097)).toEqual({});
  });
});

describe('tokenLocations.cookie: the Cookie header is read up to 16 KiB', () => {
  it('a header of 16 384 characters is read, one of 16 385 is refused with 400', async () => {
    const resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    const server = createResourceServer({ resolver, clock: () => NOW_MS, tokenLocations: { cookie: 'at' } });
    const token = await mint(key);
    const withCookie = (length: number) => {
      const bare = `at=${token}; pad=`;
      const cookie = bare + 'p'.repeat(length - bare.length);
      return server.authenticate({
        method: 'GET',
        url: 'https://api.example.com/resource',
        headers: { cookie },
      });
    };
    expectAccepted(await withCookie(16_384));
    const refused = await withCookie(16_385);
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.rejection.status).toBe(400);
  });
});

describe('documented ranges: the value at each documented end is taken, the next one refused', () => {
  const jwks = () => staticJwks(jwksOf(key));
  const jwt = (options: Record<string, unknown>) => () =>
    jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: jwks(), ...options });
  const jwe = (options: Record<string, unknown>) => () =>
    jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      decryption: staticDecryptionKeys([new Uint8Array(32).fill(7)]),
      ...options,
    });
  const jwksAt = (options: Record<string, unknown>) => () =>
    remoteJwks({ url: 'https://as.example.com/jwks', ...options });
  const introspection = (options: Record<string, unknown>) => () =>
    introspectionResolver({
      endpoint: 'https://as.example.com/introspect',
      audience: AUDIENCE,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      ...options,
    });
  const dpop = (options: Record<string, unknown>) => () =>
    createResourceServer({ resolver: jwt({})(), dpop: options });
  const receiver = (options: Record<string, unknown>) => () =>
    securityEventReceiver({
      issuer: 'https://ssf.example.com',
      audience: 'https://api.example.com/ssf',
      keys: jwks(),
      replayStore: memoryReplayStore(),
      revocations: revocationList(),
      ...options,
    });
  const poller = (options: Record<string, unknown>) => () =>
    securityEventPoller({ endpoint: 'https://ssf.example.com/poll', receiver: receiver({})(), ...options });
  const resolver = { resolve: async () => ({ ok: false }) } as unknown as AccessTokenResolver;

  // [what, build with a value, the documented end taken, the first value past it]
  const table: [string, (value: number) => () => unknown, number, number][] = [
    ['jwtResolver.skewAllowance: at most 300 s', (v) => jwt({ skewAllowance: v }), 300, 300.001],
    ['jwtResolver.maxTokenLength: at most 1 MiB', (v) => jwt({ maxTokenLength: v }), 1_048_576, 1_048_577],
    [
      'jwtResolver.maxDecompressedBytes: at most 1 MiB',
      (v) => jwe({ maxDecompressedBytes: v }),
      1_048_576,
      1_048_577,
    ],
    ['remoteJwks.cacheMaxAge: at most a day', (v) => jwksAt({ cacheMaxAge: v }), 86_400_000, 86_400_001],
    [
      'remoteJwks.minFetchInterval: at most an hour',
      (v) => jwksAt({ minFetchInterval: v }),
      3_600_000,
      3_600_001,
    ],
    ['remoteJwks.maxResponseBytes: from 90', (v) => jwksAt({ maxResponseBytes: v }), 90, 89],
    [
      'remoteJwks.maxResponseBytes: to 16 MiB',
      (v) => jwksAt({ maxResponseBytes: v }),
      16_777_216,
      16_777_217,
    ],
    ['remoteJwks.timeout: from 1 ms', (v) => jwksAt({ timeout: v }), 1, 0.5],
    ['remoteJwks.timeout: to 2^31 - 1 ms', (v) => jwksAt({ timeout: v }), 2_147_483_647, 2_147_483_648],
    [
      'introspectionResolver.skewAllowance: at most 300 s',
      (v) => introspection({ skewAllowance: v }),
      300,
      301,
    ],
    [
      'introspectionResolver.maxResponseBytes: at most 16 MiB',
      (v) => introspection({ maxResponseBytes: v }),
      16_777_216,
      16_777_217,
    ],
    ['introspectionResolver.retries: at most 5', (v) => introspection({ retries: v }), 5, 6],
    ['introspectionResolver.timeout: from 1 ms', (v) => introspection({ timeout: v }), 1, 0.5],
    [
      'introspectionResolver.timeout: to 2^31 - 1 ms',
      (v) => introspection({ timeout: v }),
      2_147_483_647,
      2_147_483_648,
    ],
    ['introspectionResolver.retryDelay: from 1 ms', (v) => introspection({ retryDelay: v }), 1, 0.5],
    [
      'introspectionResolver.retryDelay: to 2^31 - 1 ms',
      (v) => introspection({ retryDelay: v }),
      2_147_483_647,
      2_147_483_648,
    ],
    [
      'introspectionResolver.maxTokenLength: at most 1 MiB',
      (v) => introspection({ maxTokenLength: v }),
      1_048_576,
      1_048_577,
    ],
    ['remoteJwks.retryDelay: from 1 ms', (v) => jwksAt({ retryDelay: v }), 1, 0.5],
    [
      'remoteJwks.maxRetryDelay: to 2^31 - 1 ms',
      (v) => jwksAt({ maxRetryDelay: v }),
      2_147_483_647,
      2_147_483_648,
    ],
    ['securityEventPoller.timeout: from 1 ms', (v) => poller({ timeout: v }), 1, 0.5],
    [
      'securityEventPoller.timeout: to 2^31 - 1 ms',
      (v) => poller({ timeout: v }),
      2_147_483_647,
      2_147_483_648,
    ],
    ['dpop.iatWindow: from 1 s', (v) => dpop({ iatWindow: v }), 1, 0.5],
    ['dpop.iatWindow: to 300 s', (v) => dpop({ iatWindow: v }), 300, 301],
    ['dpop.maxProofLength: from 384', (v) => dpop({ maxProofLength: v }), 384, 383],
    ['dpop.maxProofLength: to 16 384', (v) => dpop({ maxProofLength: v }), 16_384, 16_385],
    [
      'tokenCache.maxEntries: at most 10 000 000',
      (v) => () => tokenCache(resolver, { maxEntries: v }),
      10_000_000,
      10_000_001,
    ],
    [
      'memoryReplayStore.maxEntries: at most 10 000 000',
      (v) => () => memoryReplayStore({ maxEntries: v }),
      10_000_000,
      10_000_001,
    ],
    [
      'revocationList.maxMarkers: at most 10 000 000',
      (v) => () => revocationList({ maxMarkers: v }),
      10_000_000,
      10_000_001,
    ],
    [
      'revocationList.markerTtl: at least a minute',
      (v) => () => revocationList({ markerTtl: v }),
      60_000,
      59_999,
    ],
    [
      'verifiedTokenCache.maxEntries: at most 10 000 000',
      (v) => jwt({ verifiedTokenCache: { maxEntries: v } }),
      10_000_000,
      10_000_001,
    ],
    [
      'rotatingDpopNonces.lifetime: at most 3 600 s',
      (v) => () => rotatingDpopNonces({ lifetime: v }),
      3_600,
      3_601,
    ],
    ['securityEventReceiver.maxAge: from a minute', (v) => receiver({ maxAge: v }), 60_000, 59_999],
    ['securityEventReceiver.maxAge: to a day', (v) => receiver({ maxAge: v }), 86_400_000, 86_400_001],
    ['securityEventReceiver.skew: at most 300 000 ms', (v) => receiver({ skew: v }), 300_000, 300_001],
    ['securityEventReceiver.maxLength: from 200', (v) => receiver({ maxLength: v }), 200, 199],
    ['securityEventReceiver.maxLength: to 1 MiB', (v) => receiver({ maxLength: v }), 1_048_576, 1_048_577],
    ['securityEventPoller.maxResponseBytes: from 200', (v) => poller({ maxResponseBytes: v }), 200, 199],
    [
      'securityEventPoller.maxResponseBytes: to 64 MiB',
      (v) => poller({ maxResponseBytes: v }),
      67_108_864,
      67_108_865,
    ],
    ['securityEventPoller.interval: from 1 ms', (v) => poller({ interval: v }), 1, 0.5],
    [
      'certificateHeader.maxLength: at most 1 MiB',
      (v) => () =>
        createResourceServer({ resolver, certificateHeader: { name: 'x-client-cert', maxLength: v } }),
      1_048_576,
      1_048_577,
    ],
    [
      'upstreamHeaders.maxValueLength: at most 65 536',
      (v) => () => upstreamHeaders({ claims: ['sub'], maxValueLength: v }),
      65_536,
      65_537,
    ],
  ];

  it.each(table)('%s', (_, build, taken, refused) => {
    expect(build(taken)).not.toThrow();
    expect(build(refused)).toThrow(RsConfigError);
  });
});

describe('createResourceServer defaults', () => {
  const resolver = () => jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });

  it('requireHttps is on: a plain http URL off loopback is refused with 400', async () => {
    const server = createResourceServer({ resolver: resolver(), clock: () => NOW_MS });
    const token = await mint(key);
    expectRejected(
      await server.authenticate(bearerRequest(token, { url: 'http://api.example.com/resource' })),
      'https_required',
    );
  });

  it('tokenLocations: the Authorization header only', async () => {
    const server = createResourceServer({ resolver: resolver(), clock: () => NOW_MS });
    const token = await mint(key);
    expectAccepted(await server.authenticate(bearerRequest(token)));
    const elsewhere = [
      { url: `https://api.example.com/resource?access_token=${token}` },
      {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        form: { access_token: token },
      },
      { headers: { cookie: `access_token=${token}` } },
    ];
    for (const where of elsewhere) {
      const request = { method: 'GET', url: 'https://api.example.com/resource', headers: {}, ...where };
      expectRejected(await server.authenticate(request), 'token_missing');
    }
  });

  it('dpop.algorithms: the documented list, advertised in this order', async () => {
    const server = createResourceServer({ resolver: resolver(), clock: () => NOW_MS, dpop: true });
    const refused = expectRejected(
      await server.authenticate({ method: 'GET', url: 'https://api.example.com/resource', headers: {} }),
      'token_missing',
    );
    expect(refused.wwwAuthenticate).toContain(
      'algs="ES256 ES384 ES512 PS256 PS384 PS512 RS256 RS384 RS512 EdDSA Ed25519"',
    );
  });
});

describe('introspectionResolver: discovered metadata may take 64 KiB', () => {
  /** An authorization server on loopback: RFC 8414 metadata of `bytes` bytes, an introspection endpoint. */
  async function issuerServing(bytes: number) {
    let origin = '';
    const server = await loopback((response, _, path) => {
      if (path === '/.well-known/oauth-authorization-server')
        json(response, paddedJson({ issuer: origin, introspection_endpoint: `${origin}/introspect` }, bytes));
      else json(response, JSON.stringify({ active: false }));
    });
    origin = new URL(server.url).origin;
    return origin;
  }
  const resolverOf = (issuer: string, options: Record<string, unknown> = {}) =>
    introspectionResolver({
      issuer,
      audience: AUDIENCE,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      onError: () => undefined,
      ...options,
    });

  it('whatever maxResponseBytes says: 65 536 bytes are read, one more is wrong metadata', async () => {
    for (const options of [{}, { maxResponseBytes: 1_024 }, { maxResponseBytes: 1_048_576 }]) {
      expectFailure(
        await resolveAt(resolverOf(await issuerServing(65_536), options), 'opaque'),
        'token_inactive',
      );
      expectFailure(
        await resolveAt(resolverOf(await issuerServing(65_537), options), 'opaque'),
        'introspection_misconfigured',
      );
    }
  });
});
