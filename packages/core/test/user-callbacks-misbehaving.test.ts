// Every function an application hands the resource server may misbehave: throw something that is no
// Error, answer a value of the wrong type, never settle. A security library must then fail closed with
// the right status (503 for a dependency of the server's own, never an acceptance), within a bound, with
// no unhandled rejection, and an observer (audit, telemetry) must never change the answer.
import {
  generateSigningKey,
  jwksOf,
  type TestSigningKey,
  type UnhandledRejections,
  watchUnhandledRejections,
} from '@rs/testkit';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { STORE_OPERATION_TIMEOUT_MS } from '../src/cache/store-operation-bound.js';
import { RsNonErrorThrown } from '../src/errors/thrown-value.js';
import {
  type AccessTokenResolver,
  claimCheck,
  createResourceServer,
  type DpopNonceProvider,
  jwtResolver,
  type ReplayStore,
  RsConfigError,
  RsError,
  type SecretStore,
  secretsProvider,
  staticJwks,
  type Telemetry,
} from '../src/index.js';
import { type DpopKey, dpopKey, dpopRequest, makeProof } from './dpop-setup.js';
import { AUDIENCE, bearerRequest, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from './helpers.js';

let issuerKey: TestSigningKey;
let resolver: AccessTokenResolver;
let client: DpopKey;
let boundToken: string;
let bearerToken: string;

// Whatever a test leaves unhandled fails it: a rejection nobody handles ends a Node process by default.
let rejections: UnhandledRejections;
beforeAll(async () => {
  rejections = watchUnhandledRejections();
  issuerKey = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(issuerKey)) });
  client = await dpopKey();
  boundToken = await mint(issuerKey, { sub: 'alice', cnf: { jkt: client.jkt } });
  bearerToken = await mint(issuerKey, { sub: 'alice' });
});
afterEach(async () => {
  vi.useRealTimers();
  vi.restoreAllMocks();
  expect(await rejections.settle()).toEqual([]);
});
afterAll(() => {
  rejections.stop();
});

// What application code may throw instead of an Error. Frameworks read a falsy one as no error at all
// (Express's next(null), Fastify's done(null)) and Express's next('route') as an instruction.
const NON_ERRORS: readonly [string, () => unknown][] = [
  ['null', () => null],
  ['undefined', () => undefined],
  ['the string "route"', () => 'route'],
  ['0', () => 0],
  ['an empty string', () => ''],
  [
    'an object whose message getter throws',
    () => ({
      get message(): string {
        throw new Error('message getter');
      },
    }),
  ],
];

async function dpopProofRequest(token = boundToken) {
  return dpopRequest(token, await makeProof(client, {}, { token }));
}

describe('what application code throws reaches the adapter as an Error, never as itself', () => {
  it.each(NON_ERRORS)('a resolver throwing %s, synchronously or as a rejection', async (_, make) => {
    const throwing: AccessTokenResolver[] = [
      {
        resolve: () => {
          throw make();
        },
      },
      { resolve: () => Promise.reject(make()) },
    ];
    for (const custom of throwing) {
      const rs = createResourceServer({ resolver: custom, clock: () => NOW_MS });
      const failure = await rs.authenticate(bearerRequest(bearerToken)).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(failure).toBeInstanceOf(RsNonErrorThrown);
      expect(failure).toBeInstanceOf(RsError);
      expect((failure as RsError).code).toBe('ERR_RS_NON_ERROR_THROWN');
      // The value may be the token itself: it stays in `cause`, out of the message.
      expect((failure as Error).message).not.toContain(bearerToken);
    }
  });

  it.each(NON_ERRORS)('a policy check throwing %s, with onAudit configured or not', async (_, make) => {
    const policy = {
      claims: [
        claimCheck('sub', () => {
          throw make();
        }),
      ],
    };
    for (const onAudit of [undefined, () => {}]) {
      const rs = createResourceServer({ resolver, clock: () => NOW_MS, policy, onAudit });
      await expect(rs.authenticate(bearerRequest(bearerToken))).rejects.toBeInstanceOf(RsNonErrorThrown);
      await expect(rs.authenticateOptional(bearerRequest(bearerToken))).rejects.toBeInstanceOf(
        RsNonErrorThrown,
      );
    }
  });

  it('passes an Error the application threw on unchanged', async () => {
    const thrown = new TypeError('resolver bug');
    const rs = createResourceServer({
      resolver: { resolve: () => Promise.reject(thrown) },
      clock: () => NOW_MS,
    });
    await expect(rs.authenticate(bearerRequest(bearerToken))).rejects.toBe(thrown);
  });
});

describe('a replay store that misbehaves fails the request closed (503)', () => {
  const server = (replayStore: ReplayStore) =>
    createResourceServer({ resolver, dpop: { replayStore }, clock: () => NOW_MS });

  it('accepts a proof only when remember answers true, never a truthy non-boolean', async () => {
    vi.spyOn(console, 'error').mockImplementation(() => {});
    // A store returning what its backend answered: a Map's set() (the map), Redis's "OK", a count.
    const answers: unknown[] = [new Map(), 'OK', 1, 'false', {}, undefined, null, Number.NaN];
    for (const answer of answers) {
      const rs = server({ remember: async () => answer as boolean });
      expectRejected(await rs.authenticate(await dpopProofRequest()), 'replay_check_unavailable', 503);
    }
    // Written once a minute at most, naming the option, never the proof or the token.
    expect(console.error).toHaveBeenCalled();
    const written = vi.mocked(console.error).mock.calls.flat().join('\n');
    expect(written).toContain('dpop.replayStore');
    expect(written).not.toContain(boundToken);
    // The contract still works: true is a first use, false a replay.
    expectAccepted(await server({ remember: async () => true }).authenticate(await dpopProofRequest()));
    expectRejected(
      await server({ remember: async () => false }).authenticate(await dpopProofRequest()),
      'dpop_replayed',
    );
  });

  it.each(NON_ERRORS)('remember throwing %s, synchronously or as a rejection', async (_, make) => {
    const stores: ReplayStore[] = [
      {
        remember: () => {
          throw make();
        },
      },
      { remember: () => Promise.reject(make()) },
    ];
    for (const replayStore of stores) {
      expectRejected(
        await server(replayStore).authenticate(await dpopProofRequest()),
        'replay_check_unavailable',
        503,
      );
    }
  });

  it('remember rejecting with an Error whose name or code getter throws', async () => {
    for (const member of ['name', 'code']) {
      const error = new Error('store down');
      Object.defineProperty(error, member, {
        get() {
          throw new Error('getter');
        },
      });
      const rs = server({ remember: () => Promise.reject(error) });
      expectRejected(await rs.authenticate(await dpopProofRequest()), 'replay_check_unavailable', 503);
      expect(rs.status().dependencies).toContainEqual(
        expect.objectContaining({ kind: 'replay-store', lastError: 'unknown error' }),
      );
    }
  });

  it('remember never settling: 503 once the store operation timeout has passed', async () => {
    let called!: () => void;
    const reached = new Promise<void>((resolve) => {
      called = resolve;
    });
    const rs = server({
      remember: () => {
        called();
        return new Promise<boolean>(() => {});
      },
    });
    const request = await dpopProofRequest();
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    const answer = rs.authenticate(request).finally(() => {
      settled = true;
    });
    await reached;
    await vi.advanceTimersByTimeAsync(STORE_OPERATION_TIMEOUT_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expectRejected(await answer, 'replay_check_unavailable', 503);
    expect(rs.status().ready).toBe(false);
  });
});

describe('a DPoP nonce provider that never settles fails the request closed (503)', () => {
  /** Decides a request whose proof carries `nonce`, moving fake time on once the provider was asked. */
  async function afterTimeout(never: 'current' | 'isValid', nonce: string | undefined) {
    let asked!: () => void;
    const reached = new Promise<void>((resolve) => {
      asked = resolve;
    });
    const unanswered = () => {
      asked();
      return new Promise<never>(() => {});
    };
    const nonces: DpopNonceProvider =
      never === 'current'
        ? { current: unanswered, isValid: () => false }
        : { current: () => 'n1', isValid: unanswered };
    const rs = createResourceServer({ resolver, dpop: { nonces }, clock: () => NOW_MS });
    const request = dpopRequest(
      boundToken,
      await makeProof(client, nonce === undefined ? {} : { nonce }, { token: boundToken }),
    );
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    let settled = false;
    const answer = rs.authenticate(request).finally(() => {
      settled = true;
    });
    await reached;
    await vi.advanceTimersByTimeAsync(STORE_OPERATION_TIMEOUT_MS - 1);
    expect(settled).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    return answer;
  }

  it('isValid never settling', async () => {
    expectRejected(await afterTimeout('isValid', 'n1'), 'replay_check_unavailable', 503);
  });

  it('current never settling', async () => {
    expectRejected(await afterTimeout('current', undefined), 'replay_check_unavailable', 503);
  });
});

/** A telemetry whose every method throws `thrown` (or returns a value of the wrong type). */
function throwingTelemetry(method: string, thrown: () => unknown): Telemetry {
  const fail = (name: string) => () => {
    if (name === method) throw thrown();
  };
  return {
    attach: () => {},
    startRequest: () => {
      if (method === 'startRequest') throw thrown();
      return {
        extracted: fail('extracted'),
        stage: fail('stage'),
        cacheLookup: fail('cacheLookup'),
        introspected: fail('introspected'),
        resolved: fail('resolved'),
        end: fail('end'),
        run: <T>(pipeline: () => T): T => {
          if (method === 'run') throw thrown();
          return pipeline();
        },
      };
    },
  };
}

describe('an observer that misbehaves never changes the answer', () => {
  const methods = ['startRequest', 'extracted', 'stage', 'resolved', 'end', 'run'];
  const thrownValues: [string, () => unknown][] = [
    ['an Error', () => new Error('telemetry bug')],
    ...NON_ERRORS,
  ];

  it.each(methods)('telemetry.%s throwing', async (method) => {
    for (const [, thrown] of thrownValues) {
      const telemetry = throwingTelemetry(method, thrown);
      const rs = createResourceServer({
        resolver,
        clock: () => NOW_MS,
        telemetry,
        policy: { scopes: ['write'] },
      });
      const accepted = await mint(issuerKey, { scope: 'read write' });
      expectAccepted(await rs.authenticate(bearerRequest(accepted)));
      expectRejected(await rs.authenticate(bearerRequest(bearerToken)), 'insufficient_scope');
      expectRejected(await rs.authenticate(bearerRequest('not-a-token')), 'token_malformed');
    }
  });

  it('telemetry.run answering something other than what the pipeline returned, or never settling', async () => {
    const odd: ((pipeline: () => unknown) => unknown)[] = [
      () => undefined,
      () => 'accepted',
      () => Promise.resolve({ ok: true }),
      () => new Promise(() => {}),
      (pipeline) => {
        pipeline();
        return Promise.reject(null);
      },
      // Calls back twice: the pipeline runs once.
      (pipeline) => {
        pipeline();
        return pipeline();
      },
    ];
    for (const run of odd) {
      const telemetry: Telemetry = {
        attach: () => {},
        startRequest: () => ({
          extracted: () => {},
          stage: () => {},
          cacheLookup: () => {},
          introspected: () => {},
          resolved: () => {},
          end: () => {},
          run: run as <T>(pipeline: () => T) => T,
        }),
      };
      const counted = { resolve: vi.fn(resolver.resolve.bind(resolver)) };
      const rs = createResourceServer({ resolver: counted, clock: () => NOW_MS, telemetry });
      expectAccepted(await rs.authenticate(bearerRequest(bearerToken)));
      expect(counted.resolve).toHaveBeenCalledTimes(1);
      expectRejected(await rs.authenticate(bearerRequest('not-a-token')), 'token_malformed');
    }
  });

  it.each(thrownValues)(
    'telemetry.attach throwing %s: an RsConfigError naming the option, at start-up',
    (_, thrown) => {
      const telemetry: Telemetry = {
        ...throwingTelemetry('none', thrown),
        attach: () => {
          throw thrown();
        },
      };
      let error: unknown;
      try {
        createResourceServer({ resolver, clock: () => NOW_MS, telemetry });
      } catch (caught) {
        error = caught;
      }
      expect(error).toBeInstanceOf(RsConfigError);
      expect((error as RsConfigError).option).toBe('telemetry');
      expect((error as RsConfigError).message).toMatch(/telemetry.*attach\(\) threw/);
      // The thrown value is on the cause only, as an Error.
      const cause = (error as RsConfigError).cause;
      expect(cause).toBeInstanceOf(Error);
      if (!(cause instanceof RsNonErrorThrown)) expect((cause as Error).message).toBe('telemetry bug');
    },
  );

  it.each(thrownValues)('onAudit throwing or rejecting with %s, or never settling', async (_, thrown) => {
    const hooks = [
      () => {
        throw thrown();
      },
      () => Promise.reject(thrown()),
      () => new Promise(() => {}),
      // A thenable whose then() throws.
      () => ({
        // biome-ignore lint/suspicious/noThenProperty: a hook's answer that looks like a promise, on purpose.
        then() {
          throw thrown();
        },
      }),
    ];
    for (const onAudit of hooks) {
      const rs = createResourceServer({ resolver, clock: () => NOW_MS, onAudit: onAudit as () => void });
      expectAccepted(await rs.authenticate(bearerRequest(bearerToken)));
      expectRejected(await rs.authenticate(bearerRequest('not-a-token')), 'token_malformed');
    }
  });
});

describe('a clock that misbehaves', () => {
  it('a clock that throws once built fails the request with an Error, with or without observers', async () => {
    for (const [, thrown] of NON_ERRORS) {
      for (const onAudit of [undefined, () => {}]) {
        let reads = 0;
        const clock = () => {
          if (reads++ > 0) throw thrown();
          return NOW_MS;
        };
        const rs = createResourceServer({ resolver, clock, onAudit });
        await expect(rs.authenticate(bearerRequest(bearerToken))).rejects.toBeInstanceOf(Error);
      }
    }
  });

  it('a clock that throws only when the decision is recorded does not change the answer', async () => {
    // Read once when the server is built, once to decide, then when the audit event is made.
    let reads = 0;
    const clock = () => {
      if (++reads > 2) throw new Error('clock bug');
      return NOW_MS;
    };
    const audited: number[] = [];
    const rs = createResourceServer({ resolver, clock, onAudit: (event) => audited.push(event.time) });
    expectAccepted(await rs.authenticate(bearerRequest(bearerToken)));
    expect(audited).toHaveLength(1);
    expect(Number.isFinite(audited[0])).toBe(true);
  });
});

describe('a secret store answering keys(secretId) with the wrong shape', () => {
  const answers: [string, () => unknown][] = [
    ['a string', () => 'c2VjcmV0'],
    ['NaN', () => Number.NaN],
    ['null', () => null],
    ['a promise', () => Promise.resolve([])],
    ['a JWK alone', () => ({ kty: 'oct', k: 'c2VjcmV0' })],
    ['an array holding null', () => [null]],
    ['a key without a jwk', () => [{ origin: 'x' }]],
    ['a key whose jwk is a string', () => [{ jwk: 'c2VjcmV0', origin: 'x' }]],
    [
      'a key whose jwk getter throws what it read',
      () => [
        {
          get jwk(): never {
            throw 'the-secret-value';
          },
          origin: 'x',
        },
      ],
    ],
  ];

  it.each(answers)(
    '%s: an RsConfigError naming the option and the expected shape, at start-up',
    (_, keys) => {
      const store: SecretStore = { name: 'custom', keys: keys as SecretStore['keys'] };
      const build = () =>
        jwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          secrets: secretsProvider({ stores: [store] }),
          verificationSecretId: 'am.hmac',
        });
      expect(build).toThrow(RsConfigError);
      try {
        build();
      } catch (error) {
        const { message, option } = error as RsConfigError;
        expect(option).toBe('jwtResolver.verificationSecretId');
        expect(message).toContain('custom');
        // What is expected, or (for a getter that threw) that what it threw is not repeated.
        expect(message).toMatch(
          /\[\{ jwk, origin \}, …\] or undefined|it threw a value that is not an Error/,
        );
        expect(message).not.toContain('the-secret-value');
      }
    },
  );
});
