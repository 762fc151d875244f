// Cloudflare Workers build a resource server once, at module scope, as every Worker example does. There
// the clock stands at 0 (time advances only while a request is handled) and drawing random values is
// refused. Before, every factory that read the clock when built refused 0 ("fake timers near the
// epoch?") and rotatingDpopNonces() drew its random secret when built: no such Worker started. These
// tests build in that scope (Date at 0, random values refused, as workerd does) and use what they built
// at the real time afterwards. packages/runtime-tests runs the same in workerd itself.
import {
  generateSigningKey,
  jwksOf,
  mintToken,
  signSecurityEvent,
  type TestSigningKey,
  TOKENS_REVOKED,
} from '@rs/testkit';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  memoryReplayStore,
  RsConfigError,
  revocationList,
  rotatingDpopNonces,
  securityEventReceiver,
  staticJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectFailure,
  expectRejected,
  ISSUER,
} from '../helpers.js';

const TRANSMITTER = 'https://ssf.example.com';
const RECEIVER = 'https://api.example.com/ssf';
const GLOBAL_SCOPE_REFUSAL =
  'Disallowed operation called within global scope: generating random values is not allowed';

let tokenKey: TestSigningKey;
let transmitterKey: TestSigningKey;
beforeAll(async () => {
  tokenKey = await generateSigningKey('ES256');
  transmitterKey = await generateSigningKey('ES256', 'ssf-1');
});
afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

/**
 * Runs `build` as a Worker's module scope runs: `Date.now()` answers 0, and every way of drawing random
 * values throws, as workerd's do. Back at the real time and with randomness allowed afterwards.
 */
function inWorkerGlobalScope<T>(build: () => T): T {
  vi.useFakeTimers({ now: 0, toFake: ['Date'] });
  const refuse = () => {
    throw new Error(GLOBAL_SCOPE_REFUSAL);
  };
  const randomness = [
    vi.spyOn(crypto, 'getRandomValues').mockImplementation(refuse),
    vi.spyOn(crypto, 'randomUUID').mockImplementation(refuse),
    vi.spyOn(crypto.subtle, 'generateKey').mockImplementation(refuse),
  ];
  try {
    expect(Date.now()).toBe(0);
    return build();
  } finally {
    for (const spy of randomness) spy.mockRestore();
    vi.useRealTimers();
  }
}

/** A token issued a little before now (real time), valid for five minutes. */
function mintNow(claims: Record<string, unknown> = {}): Promise<string> {
  const issuedAt = Math.floor(Date.now() / 1000) - 10;
  return mintToken(tokenKey, { issuer: ISSUER, audience: AUDIENCE, now: issuedAt }, claims);
}

function jwt(revocations?: ReturnType<typeof revocationList>): AccessTokenResolver {
  return jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(tokenKey)),
    // Written out as undefined, a list would be refused as one that failed to load.
    ...(revocations === undefined ? {} : { revocations }),
  });
}

function receiverOver(revocations: ReturnType<typeof revocationList>, clock?: () => number) {
  return securityEventReceiver({
    issuer: TRANSMITTER,
    audience: RECEIVER,
    keys: staticJwks(jwksOf(transmitterKey)),
    replayStore: memoryReplayStore(),
    revocations,
    clock,
  });
}

describe('built at module scope in a Worker (clock at 0, no random values)', () => {
  it('a resource server, with or without a clock option, starts and decides at the real time', async () => {
    const servers = inWorkerGlobalScope(() => [
      createResourceServer({ resolver: jwt() }),
      // The clock option as a Worker gives it: Date.now() too answers 0 while the server is built.
      createResourceServer({ resolver: jwt(), clock: () => Date.now() }),
      createResourceServer({ resolver: jwt(), dpop: true }),
    ]);
    const valid = await mintNow({ sub: 'alice' });
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expired = await mintNow({ iat: past, exp: past + 60 });
    for (const server of servers) {
      expect(expectAccepted(await server.authenticate(bearerRequest(valid))).subject).toBe('alice');
      // Judged by the real time, not by 1970 (when every token would be current).
      expectRejected(await server.authenticate(bearerRequest(expired)), 'token_expired');
    }
  });

  it('rotatingDpopNonces() draws its random secret at the first nonce, once, shared by every later one', async () => {
    const [nonces, other] = inWorkerGlobalScope(() => [rotatingDpopNonces(), rotatingDpopNonces()]);
    const now = Date.now();
    // Asked for concurrently before any key exists: one key for both, so one nonce.
    const [first, second] = await Promise.all([nonces!.current(now), nonces!.current(now)]);
    expect(second).toBe(first);
    expect(await nonces!.isValid(first, now)).toBe(true);
    expect(await nonces!.isValid(await nonces!.current(now + 1), now + 2)).toBe(true);
    // Each provider its own random secret: its nonces are not another's.
    expect(await other!.current(now)).not.toBe(first);
    expect(await other!.isValid(first, now)).toBe(false);
  });

  it('a replay store, a revocation list and a security event receiver start and work at the real time', async () => {
    const { replayStore, revocations, receiver } = inWorkerGlobalScope(() => {
      const revocations = revocationList();
      return { replayStore: memoryReplayStore(), revocations, receiver: receiverOver(revocations) };
    });
    expect(await replayStore.remember('proof-1', 60_000)).toBe(true);
    expect(await replayStore.remember('proof-1', 60_000)).toBe(false);

    const resolver = jwt(revocations);
    const alices = await mintNow({ sub: 'alice' });
    const bobs = await mintNow({ sub: 'bob' });
    await revocations.revoke({ by: 'sub', value: 'alice' });
    // Dated now, not 1970: her token issued before is refused.
    expectFailure(
      await resolver.resolve(alices, { request: bearerRequest(alices), now: Date.now() }),
      'token_revoked',
    );

    const set = await signSecurityEvent(
      transmitterKey,
      { [TOKENS_REVOKED]: {} },
      { issuer: TRANSMITTER, audience: RECEIVER, subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'bob' } },
    );
    expect(await receiver.receive(set)).toMatchObject({ ok: true, applied: [TOKENS_REVOKED] });
    expectFailure(
      await resolver.resolve(bobs, { request: bearerRequest(bobs), now: Date.now() }),
      'token_revoked',
    );
  });
});

describe('a clock still at 0 when used fails closed, naming the likely causes', () => {
  const causes = /returned 0, which is no such time \(fake timers set at the epoch\? .*Cloudflare Worker/;

  async function refusal(use: () => Promise<unknown>, option: string): Promise<RsConfigError> {
    const error = await use().then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(RsConfigError);
    expect((error as RsConfigError).option).toBe(option);
    return error as RsConfigError;
  }

  it('given as an option: every request, proof, revocation and SET is refused, never judged at 1970', async () => {
    const stopped = () => 0;
    const token = await mintNow();
    const server = createResourceServer({ resolver: jwt(), clock: stopped });
    const requestRefusal = await refusal(() => server.authenticate(bearerRequest(token)), 'clock');
    expect(requestRefusal.problem).toMatch(causes);

    const replayStore = memoryReplayStore({ clock: stopped });
    await refusal(() => replayStore.remember('proof-1', 60_000), 'memoryReplayStore.clock');
    expect(replayStore.size()).toBe(0);

    const revocations = revocationList({ clock: stopped });
    const revokeRefusal = await refusal(
      () => revocations.revoke({ by: 'sub', value: 'alice' }),
      'revocationList.clock',
    );
    expect(revokeRefusal.problem).toMatch(causes);
    expect(revocations.stats()).toMatchObject({ revocations: 0, markers: 0 });

    const receiver = receiverOver(revocationList(), stopped);
    const set = await signSecurityEvent(
      transmitterKey,
      { [TOKENS_REVOKED]: {} },
      {
        issuer: TRANSMITTER,
        audience: RECEIVER,
        subjectId: { format: 'iss_sub', iss: ISSUER, sub: 'alice' },
      },
    );
    await refusal(() => receiver.receive(set), 'securityEventReceiver.clock');
    expect(receiver.stats().accepted).toBe(0);
  });

  it('not given, under fake timers at the epoch: the build goes on, the first use names the fake timers', async () => {
    const token = await mintNow();
    vi.useFakeTimers({ now: 0, toFake: ['Date'] });
    const server = createResourceServer({ resolver: jwt() });
    const revocations = revocationList();
    const error = await refusal(() => server.authenticate(bearerRequest(token)), 'clock');
    expect(error.problem).toMatch(
      /^is not given, and the system clock \(Date\.now\(\)\) returned 0.*fake timers/,
    );
    expect(error.problem).toContain('vi.setSystemTime(Date.UTC(2026, 0, 1))');
    expect(error.problem).toContain('Cloudflare Worker');
    await refusal(() => revocations.revoke({ by: 'sub', value: 'alice' }), 'revocationList.clock');
  });

  it('readings that are no time other than 0 are still refused when built, Worker or not', () => {
    for (const reading of [1, -1, 1_700_000_000, 1_700_000_000_000_000, Number.NaN]) {
      const error = expectConfigError(
        () => createResourceServer({ resolver: jwt(), clock: () => reading }),
        'clock',
      );
      expect(error.problem).toContain('a clock in seconds or microseconds');
      expectConfigError(() => revocationList({ clock: () => reading }), 'revocationList.clock');
    }
    // Fake timers near the epoch but not at it: said when the server is built, as before.
    vi.useFakeTimers({ now: 1_000, toFake: ['Date'] });
    const error = expectConfigError(() => createResourceServer({ resolver: jwt() }), 'clock');
    expect(error.problem).toMatch(
      /^is not given, and the system clock \(Date\.now\(\)\) returned 1000.*fake timers/,
    );
    expect(error.problem).not.toContain('Cloudflare');
  });
});
