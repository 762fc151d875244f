import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  createResourceServer,
  hybridResolver,
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  memoryReplayStore,
  RsConfigError,
  revocationList,
  rotatingDpopNonces,
  securityEventReceiver,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
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

// Settings that looked valid and quietly let requests through: each is now either enforced or refused
// when the server is built, and one that can only go wrong later (a clock) fails the request loudly.

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let token: string;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  token = await mint(key, { sub: 'alice', scope: 'read' });
});
const clock = () => NOW_MS;

describe('the server-wide policy demanding sender-constrained tokens', () => {
  it.each(['mtls', 'any'] as const)('refuses a plain bearer token under %s', async (demand) => {
    const server = createResourceServer({ resolver, clock, policy: { requireSenderConstrained: demand } });
    expectRejected(await server.authenticate(bearerRequest(token)), 'sender_constraint_required');
  });

  it('refuses a plain bearer token under dpop, and needs the dpop option for it', async () => {
    expectConfigError(
      () => createResourceServer({ resolver, clock, policy: { requireSenderConstrained: 'dpop' } }),
      'policy.requireSenderConstrained',
    );
    const server = createResourceServer({
      resolver,
      clock,
      dpop: true,
      policy: { requireSenderConstrained: 'dpop' },
    });
    expectRejected(await server.authenticate(bearerRequest(token)), 'sender_constraint_required');
  });

  it('is announced in the protected resource metadata as the option is', async () => {
    const server = createResourceServer({
      resolver,
      clock,
      dpop: true,
      policy: { requireSenderConstrained: 'dpop' },
      protectedResource: { resource: 'https://api.example.com' },
    });
    expect(server.protectedResource?.document().dpop_bound_access_tokens_required).toBe(true);
  });
});

describe('a policy passed to authenticate() directly', () => {
  it.each<[string, unknown, string]>([
    ['a misspelled member', { scope: ['admin'] }, 'authenticate(request, policy).scope'],
    ['both forms of scopes at once', { scopes: { allOf: ['admin'], anyOf: ['read'] } }, 'scopes'],
    ['a misspelled scope form', { scopes: { allof: ['admin'] } }, 'scopes'],
    ['claims that are not checks', { claims: { tenant: 'a' } }, 'claims'],
  ])('is checked as a route policy is: %s is refused, never ignored', async (_, policy, option) => {
    const server = createResourceServer({ resolver, clock });
    const refused = await server.authenticate(bearerRequest(token), policy as AccessPolicy).then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(refused).toBeInstanceOf(RsConfigError);
    expect((refused as RsConfigError).option).toContain(option);
    // Also for authenticateOptional.
    await expect(
      server.authenticateOptional(bearerRequest(token), policy as AccessPolicy),
    ).rejects.toBeInstanceOf(RsConfigError);
  });

  it('still applies once checked, every time it is passed', async () => {
    const server = createResourceServer({ resolver, clock });
    const policy: AccessPolicy = { scopes: ['admin'] };
    for (let i = 0; i < 2; i++) {
      expectRejected(await server.authenticate(bearerRequest(token), policy), 'insufficient_scope');
    }
    expectAccepted(await server.authenticate(bearerRequest(token), { scopes: ['read'] }));
  });
});

describe('the clock', () => {
  it.each<[string, () => unknown]>([
    ['NaN', () => Number.NaN],
    ['a string (Date called without new)', () => Date()],
    ['nothing', () => undefined],
    ['Infinity', () => Number.POSITIVE_INFINITY],
    ['a negative time', () => -1],
    // Finite numbers, but no time: with a clock in seconds every token's exp lies ahead (expired tokens
    // pass), with one in microseconds replay entries expire a thousand times too soon.
    ['seconds since the epoch', () => Date.now() / 1000],
    ['time since start-up (performance.now())', () => performance.now()],
    ['microseconds since the epoch', () => Date.now() * 1000],
  ])('is read when the server is built, and one answering %s is refused', (_, answer) => {
    expectConfigError(() => createResourceServer({ resolver, clock: answer as () => number }), 'clock');
    expectConfigError(
      () =>
        securityEventReceiver({
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: staticJwks(jwksOf(key)),
          revocations: revocationList(),
          replayStore: memoryReplayStore(),
          clock: answer as () => number,
        }),
      'securityEventReceiver.clock',
    );
    expectConfigError(() => memoryReplayStore({ clock: answer as () => number }), 'memoryReplayStore.clock');
    expectConfigError(() => revocationList({ clock: answer as () => number }), 'revocationList.clock');
  });

  it('that stops answering numbers fails the request, never accepts an expired token', async () => {
    let reading = NOW_MS;
    const server = createResourceServer({ resolver, clock: () => reading });
    const expired = await mint(key, { exp: NOW_S - 60 });
    expectRejected(await server.authenticate(bearerRequest(expired)), 'token_expired');
    reading = Number.NaN;
    await expect(server.authenticate(bearerRequest(expired))).rejects.toThrow(/clock/);
    // Switched to seconds at run time: still no time, still refused rather than the token accepted.
    reading = NOW_MS / 1000;
    await expect(server.authenticate(bearerRequest(expired))).rejects.toThrow(/clock/);
  });

  it('not given, is the system clock, refused with a word on fake timers when they stand near the epoch', async () => {
    const server = createResourceServer({ resolver });
    const expired = await mint(key, { exp: NOW_S - 60 });
    vi.useFakeTimers({ now: 1_000 });
    try {
      // Built under such timers: refused at once, naming what happened rather than a clock never given.
      const error = expectConfigError(() => createResourceServer({ resolver }), 'clock');
      expect(error.problem).toMatch(
        /^is not given, and the system clock \(Date\.now\(\)\) returned 1000.*fake timers/,
      );
      expectConfigError(() => memoryReplayStore(), 'memoryReplayStore.clock');
      expectConfigError(() => revocationList(), 'revocationList.clock');
      // Built before them: the request fails, never decides with a clock at 1970 (every token current).
      await expect(server.authenticate(bearerRequest(expired))).rejects.toThrow(/is not given.*fake timers/);
      // At the epoch itself (0, as in a Cloudflare Worker's global scope) the build goes on and the
      // first request fails, naming the fake timers: workers-global-scope.test.ts.
      vi.setSystemTime(0);
      await expect(createResourceServer({ resolver }).authenticate(bearerRequest(expired))).rejects.toThrow(
        /is not given.*returned 0.*fake timers/,
      );
    } finally {
      vi.useRealTimers();
    }
  });

  it('of the replay store that stops answering numbers refuses to remember, never forgets a replay', async () => {
    let reading = NOW_MS;
    const store = memoryReplayStore({ clock: () => reading });
    expect(await store.remember('proof-1', 60_000)).toBe(true);
    reading = Number.NaN;
    await expect(store.remember('proof-1', 60_000)).rejects.toThrow(/clock/);
  });
});

describe('a token cache around a resolver with a revocation list', () => {
  async function revokedThroughCache(wrap: (jwt: AccessTokenResolver) => AccessTokenResolver) {
    const revocations = revocationList({ clock: () => NOW_MS + 1_000 });
    const jwt = jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      revocations,
    });
    const cache = tokenCache(wrap(jwt), { ttl: 60_000 });
    const bobs = await mint(key, { sub: 'bob', jti: 'bob-1' });
    expectSuccess(await resolveAt(cache, bobs));
    await revocations.revoke({ by: 'sub', value: 'bob' });
    return resolveAt(cache, bobs, NOW_MS + 2_000);
  }

  it('drops the answers a revocation names, though the list was given to the wrapped resolver only', async () => {
    expectFailure(await revokedThroughCache((jwt) => jwt), 'token_revoked');
  });

  it('hears the revocations of resolvers behind a hybrid resolver or an issuer router', async () => {
    const opaque = introspectionResolver({
      endpoint: 'https://as.example.com/introspect',
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
      audience: AUDIENCE,
    });
    expectFailure(await revokedThroughCache((jwt) => hybridResolver({ jwt, opaque })), 'token_revoked');
    expectFailure(
      await revokedThroughCache((jwt) => issuerRouter({ issuers: { [ISSUER]: jwt } })),
      'token_revoked',
    );
  });
});

describe('durations given in the wrong unit', () => {
  it('refuses a revocation marker lifetime under a minute (seconds given for milliseconds)', () => {
    expectConfigError(() => revocationList({ markerTtl: 3600 }), 'revocationList.markerTtl');
    expect(() => revocationList({ markerTtl: 60_000 })).not.toThrow();
  });

  it('refuses a DPoP nonce lifetime over an hour (milliseconds given for seconds)', () => {
    expectConfigError(() => rotatingDpopNonces({ lifetime: 300_000 }), 'rotatingDpopNonces.lifetime');
    expectConfigError(() => rotatingDpopNonces({ lifetime: 1e20 }), 'rotatingDpopNonces.lifetime');
    expect(() => rotatingDpopNonces({ lifetime: 3600 })).not.toThrow();
  });
});

describe('a token header that carries something else', () => {
  it.each(['DPoP', 'cookie'])('refuses tokenLocations.header %s', (header) => {
    expectConfigError(
      () => createResourceServer({ resolver, tokenLocations: { header } }),
      'tokenLocations.header',
    );
  });

  it('refuses the certificate header as the token header', () => {
    expectConfigError(
      () =>
        createResourceServer({
          resolver,
          tokenLocations: { header: 'X-Client-Cert' },
          certificateHeader: { name: 'x-client-cert', format: 'pem', trustedProxies: ['127.0.0.1'] },
        }),
      'tokenLocations.header',
    );
  });
});

describe('a claim check of its own', () => {
  it("needs a description, which is the refusal's error_description", () => {
    for (const description of [undefined, '', '  ', 42]) {
      const check = { description, test: () => true } as never;
      expectConfigError(
        () => createResourceServer({ resolver, policy: { claims: [check] } }),
        'policy.claims[0].description',
      );
    }
  });
});
