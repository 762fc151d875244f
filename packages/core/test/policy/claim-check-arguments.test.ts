import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  type ClaimCheck,
  claimArrayContains,
  claimBooleanEquals,
  claimCheck,
  claimEquals,
  claimIncludes,
  claimIntegerEquals,
  claimStringMatches,
  createResourceServer,
  jwtResolver,
  RsConfigError,
  staticJwks,
  verifyClaims,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectConfigError,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
} from '../helpers.js';

// Configuration mistakes in claim checks that used to let every token through (a predicate answering
// with a promise, an expected value that never loaded) or to crash each request with a TypeError. Each
// is refused with an RsConfigError naming the argument, and the request never gets through.

let key: TestSigningKey;
let resolver: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

/** A token with neither `tenant` nor `admin` in `groups`, nor the scope `admin`. */
const CLAIMS = { scope: 'read', groups: ['users'], roles: ['user'], email_verified: false };

async function authenticate(policy: AccessPolicy, claims: Record<string, unknown> = CLAIMS) {
  const rs = createResourceServer({ resolver, clock: () => NOW_MS, policy });
  return rs.authenticate(bearerRequest(await mint(key, claims)));
}

/**
 * Asserts that a policy built by `policyOf` can never accept a request: building it, the server or the
 * request throws an RsConfigError naming `option`. The policy is built inside, so that a factory that
 * throws fails the request as a misconfigured server would, rather than the test.
 */
async function expectNeverAccepted(policyOf: () => AccessPolicy, option: string): Promise<void> {
  const error = await (async () => authenticate(policyOf()))().then(
    (result) => {
      throw new Error(`expected an RsConfigError naming "${option}", got ok=${result.ok}`);
    },
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(RsConfigError);
  expect((error as RsConfigError).option).toBe(option);
}

describe('claim predicates pass only on true', () => {
  it('refuses an async predicate when claimCheck is called, and the request never passes', async () => {
    // As plain JavaScript passes them: the types already say the predicate returns a boolean.
    const never = (async () => false) as unknown as () => boolean;
    const isAdmin = (async (v: unknown) =>
      Array.isArray(v) && v.includes('admin')) as unknown as () => boolean;
    const error = expectConfigError(() => claimCheck('groups', never), 'claimCheck(predicate)');
    expect(error.message).toContain('must be synchronous');
    expectConfigError(() => claimCheck('groups', never.bind(undefined)), 'claimCheck(predicate)');
    await expectNeverAccepted(
      () => ({ claims: [claimCheck('groups', isAdmin, 'admin membership')] }),
      'claimCheck(predicate)',
    );
  });

  it('refuses a custom check whose test is async, server-wide and per route', async () => {
    const asyncCheck = {
      description: 'is never satisfied',
      test: async () => false,
    } as unknown as ClaimCheck;
    const error = expectConfigError(
      () => createResourceServer({ resolver, policy: { claims: [claimEquals('sub', 'x'), asyncCheck] } }),
      'policy.claims[1].test',
    );
    expect(error.message).toContain('must be synchronous');
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    await expect(
      rs.authenticate(bearerRequest(await mint(key, CLAIMS)), { claims: [asyncCheck] }),
    ).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option: 'authenticate(request, policy).claims[0].test',
    });
    const method = {
      description: 'is looked up',
      async test() {
        return true;
      },
    } as unknown as ClaimCheck;
    expectConfigError(
      () => rs.checkPolicy({ claims: [method] }, 'routes./admin'),
      'routes./admin.claims[0].test',
    );
  });

  it.each([
    ['the string "false"', 'false'],
    ['the string "true"', 'true'],
    ['1', 1],
    ['an object', {}],
    ['undefined', undefined],
  ])('refuses the request (403) when a custom test returns %s', async (_name, answer) => {
    const check = { description: 'is never satisfied', test: () => answer } as unknown as ClaimCheck;
    const rejection = expectRejected(await authenticate({ claims: [check] }), 'claim_check_failed', 403);
    expect(rejection.description).toBe('The access token is never satisfied');
  });

  it('refuses the request (403) when a claimCheck predicate returns a truthy non-boolean', async () => {
    const predicate = (() => 'true') as unknown as () => boolean;
    expectRejected(
      await authenticate({ claims: [claimCheck('email_verified', predicate)] }),
      'claim_check_failed',
    );
    // The same predicate answering `true` passes: only the answer differs.
    expectAccepted(await authenticate({ claims: [claimCheck('email_verified', () => true)] }));
  });

  it('throws at request time when a predicate returns a promise without being declared async', async () => {
    // A bound or transpiled async function looks synchronous until it runs.
    const disguised = ((value: unknown) => Promise.resolve(value === 'never')) as unknown as () => boolean;
    const rs = createResourceServer({
      resolver,
      clock: () => NOW_MS,
      policy: { claims: [claimCheck('groups', disguised, 'admin membership')] },
    });
    const request = bearerRequest(await mint(key, CLAIMS));
    await expect(rs.authenticate(request)).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option: 'claimCheck(predicate)',
      message: expect.stringContaining('must be synchronous'),
    });
  });

  it('throws at request time when a custom test returns a promise, the promise rejecting unheard', async () => {
    const lookUp = async () => true;
    const wrapped = (() => lookUp()) as unknown as ClaimCheck['test'];
    const rejecting = (() => Promise.reject(new Error('lookup failed'))) as unknown as ClaimCheck['test'];
    for (const test of [wrapped, rejecting]) {
      const check: ClaimCheck = { description: 'must be looked up', test };
      const rs = createResourceServer({
        resolver,
        clock: () => NOW_MS,
        policy: { claims: [claimEquals('scope', 'read'), check] },
      });
      await expect(rs.authenticate(bearerRequest(await mint(key, CLAIMS)))).rejects.toMatchObject({
        code: 'ERR_RS_CONFIG',
        option: 'policy.claims[1]',
        message: expect.stringContaining('the claim check "must be looked up" returned a promise'),
      });
    }
  });
});

describe('computed scopes must be synchronous too', () => {
  it('refuses an async function when the server is built', () => {
    const error = expectConfigError(
      () => createResourceServer({ resolver, policy: { scopes: (async () => ['read']) as never } }),
      'policy.scopes',
    );
    expect(error.message).toContain('must be synchronous');
  });

  it('throws at request time when the function returns a promise', async () => {
    const policy = { scopes: (() => Promise.resolve(['read'])) as never };
    await expect(authenticate(policy)).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option: 'policy.scopes (computed)',
      message: expect.stringContaining('returned a promise: it must be synchronous'),
    });
  });
});

describe('claim-check factories check their arguments when called', () => {
  const FACTORIES: readonly [string, (path: unknown) => ClaimCheck][] = [
    ['claimEquals', (path) => claimEquals(path as string, 'acme')],
    ['claimIncludes', (path) => claimIncludes(path as string, 'admin')],
    ['claimCheck', (path) => claimCheck(path as string, (value) => value === true)],
    ['claimStringMatches', (path) => claimStringMatches(path as string, 'read')],
    ['claimIntegerEquals', (path) => claimIntegerEquals(path as string, 1)],
    ['claimBooleanEquals', (path) => claimBooleanEquals(path as string, true)],
    ['claimArrayContains', (path) => claimArrayContains(path as string, ['admin'])],
  ];
  const BAD_PATHS: readonly unknown[] = [undefined, null, 42, {}, '', [], [''], ['realm_access', 7]];

  it.each(FACTORIES)('%s refuses a path that is not a claim name or segments', (helper, build) => {
    for (const path of BAD_PATHS) expectConfigError(() => build(path), `${helper}(path)`);
    // What the path type promises still works.
    for (const path of ['tenant', 'realm_access.roles', ['realm_access', 'roles']]) build(path);
  });

  it('keeps an array path as it was given', async () => {
    const path = ['realm_access', 'roles'];
    const check = claimIncludes(path, 'editor');
    path[1] = 'other';
    expectAccepted(await authenticate({ claims: [check] }, { realm_access: { roles: ['editor'] } }));
  });

  it('claimEquals refuses an expected value that is not one a claim can equal', async () => {
    for (const expected of [
      undefined,
      null,
      Number.NaN,
      Number.POSITIVE_INFINITY,
      {},
      [],
      [{}],
      [null],
      () => 1,
    ]) {
      expectConfigError(() => claimEquals('tenant', expected as never), 'claimEquals(expected)');
    }
    // An unset environment variable matched every token without the claim.
    await expectNeverAccepted(
      () => ({ claims: [claimEquals('tenant', process.env.RS_TEST_UNSET_TENANT as string)] }),
      'claimEquals(expected)',
    );
  });

  it('claimEquals compares an array member by member, in order, as documented', async () => {
    const policy = { claims: [claimEquals('roles', ['user', 'admin'])] };
    expectAccepted(await authenticate(policy, { roles: ['user', 'admin'] }));
    for (const roles of [['admin', 'user'], ['user'], ['user', 'admin', 'x'], 'user admin', undefined]) {
      expectRejected(await authenticate(policy, { roles }), 'claim_check_failed', 403);
    }
    expectAccepted(
      await authenticate({ claims: [claimEquals('levels', [1, true, 'x'])] }, { levels: [1, true, 'x'] }),
    );
  });

  it('claimIncludes refuses no values at all, and empty ones', async () => {
    expectConfigError(() => claimIncludes('roles'), 'claimIncludes(values)');
    expectConfigError(() => claimIncludes('roles', ...[]), 'claimIncludes(values)');
    expectConfigError(() => claimIncludes('roles', 'admin', ''), 'claimIncludes(values)');
    expectConfigError(() => claimIncludes('roles', 7 as never), 'claimIncludes(values)');
    await expectNeverAccepted(() => ({ claims: [claimIncludes('roles')] }), 'claimIncludes(values)');
  });

  it('claimStringMatches refuses a delimited value without a word, which every string holds', async () => {
    for (const expected of ['', ' ', '   ']) {
      const error = expectConfigError(
        () => claimStringMatches('scope', expected, { delimiter: 'SPACE' }),
        'claimStringMatches(expected)',
      );
      expect(error.message).toContain('at least one word');
    }
    expectConfigError(
      () => claimStringMatches('scope', ',', { delimiter: 'COMMA' }),
      'claimStringMatches(expected)',
    );
    await expectNeverAccepted(
      () => ({ claims: [claimStringMatches('scope', '', { delimiter: 'SPACE' })] }),
      'claimStringMatches(expected)',
    );
    // Without a delimiter an empty string is compared whole, and matches only an empty claim.
    expectRejected(
      await authenticate({ claims: [claimStringMatches('scope', '')] }),
      'claim_check_failed',
      403,
    );
  });

  it('claimStringMatches checks its options: a plain object, known keys, a known delimiter', () => {
    expectConfigError(
      () => claimStringMatches('scope', 'read', null as never),
      'claimStringMatches(options)',
    );
    expectConfigError(
      () => claimStringMatches('scope', 'read', 'SPACE' as never),
      'claimStringMatches(options)',
    );
    const typo = expectConfigError(
      () => claimStringMatches('scope', 'read', { delimeter: 'SPACE' } as never),
      'claimStringMatches(options).delimeter',
    );
    expect(typo.message).toContain('did you mean "delimiter"');
    expectConfigError(
      () => claimStringMatches('scope', 'read', { delimiter: 'TAB!' }),
      'claimStringMatches(options).delimiter',
    );
  });

  it('claimCheck refuses a predicate that is not a function, and a requirement that is not text', async () => {
    for (const predicate of [undefined, null, 'true', true]) {
      expectConfigError(() => claimCheck('email_verified', predicate as never), 'claimCheck(predicate)');
    }
    for (const requirement of ['', 42, {}]) {
      expectConfigError(
        () => claimCheck('email_verified', (value) => value === true, requirement as never),
        'claimCheck(requirement)',
      );
    }
    // It used to be accepted, and threw a TypeError at every request.
    await expectNeverAccepted(
      () => ({ claims: [claimCheck('email_verified', undefined as never)] }),
      'claimCheck(predicate)',
    );
  });
});

describe('verifyClaims entries', () => {
  it('refuses a delimited STRING value without a word, naming the entry', async () => {
    const error = expectConfigError(
      () => verifyClaims([{ claim: 'scope', type: 'STRING', value: ' ', delimiter: 'SPACE' }]),
      'verifyClaims[0].value',
    );
    expect(error.message).toContain('at least one word');
    await expectNeverAccepted(
      () => ({ claims: verifyClaims([{ claim: 'scope', type: 'STRING', value: '', delimiter: 'SPACE' }]) }),
      'verifyClaims[0].value',
    );
  });

  it('refuses unknown keys, naming the one meant', () => {
    const error = expectConfigError(
      () =>
        verifyClaims([
          { claim: 'acr', type: 'INTEGER', value: 1 },
          { claim: 'scope', type: 'STRING', value: 'read', delimeter: 'SPACE' } as never,
        ]),
      'verifyClaims[1].delimeter',
    );
    expect(error.message).toContain('did you mean "delimiter"');
  });

  it('refuses an entry that is not a plain object', () => {
    for (const entry of [null, 'scope', ['scope']]) {
      expectConfigError(() => verifyClaims([entry as never]), 'verifyClaims[0]');
    }
  });
});
