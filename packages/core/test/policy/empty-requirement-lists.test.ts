import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { fetchAdapterAuthenticator } from '../../src/adapter/index.js';
import {
  type AccessTokenResolver,
  type ClaimCheck,
  claimEquals,
  createResourceServer,
  jwtResolver,
  type ResourceServer,
  staticJwks,
  type VerifyClaimSpec,
  verifyClaims,
} from '../../src/index.js';
import {
  createResourceServer as createLiteResourceServer,
  jwtResolver as liteJwtResolver,
  staticJwks as liteStaticJwks,
} from '../../src/lite/index.js';
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

// A list of requirements that came out empty (`verifyClaims(JSON.parse(process.env.X ?? '[]'))` with X
// unset) required nothing: every valid token passed the route it was meant to guard. Like `scopes: []`,
// it is refused wherever it is given, naming the option.

let key: TestSigningKey;
let resolver: AccessTokenResolver;
/** A valid token without `tenant` or `roles`: what an empty claim-check list let through. */
let plainToken: string;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  plainToken = await mint(key, { scope: 'read' });
});

const SERVERS: Record<string, (options?: { policy?: { claims: ClaimCheck[] } }) => ResourceServer> = {
  '@rs/core': (options = {}) => createResourceServer({ resolver, clock: () => NOW_MS, ...options }),
  '@rs/core/lite': (options = {}) => createLiteResourceServer({ resolver, clock: () => NOW_MS, ...options }),
};
const ENTRIES = Object.keys(SERVERS);

// The list an unset variable leaves: `JSON.parse(process.env.VERIFY_CLAIMS ?? '[]')`.
const unloaded = (): VerifyClaimSpec[] => JSON.parse(process.env.RS_TEST_UNSET_VERIFY_CLAIMS ?? '[]');

describe('an empty list of claim checks', () => {
  it.each(ENTRIES)('%s: is refused as the server-wide policy', (entry) => {
    const error = expectConfigError(() => SERVERS[entry]!({ policy: { claims: [] } }), 'policy.claims');
    expect(error.problem).toContain('needs at least one check');
    expect(error.problem).toContain('requires nothing');
  });

  it.each(ENTRIES)('%s: is refused as a route policy, at start-up and per request', async (entry) => {
    const rs = SERVERS[entry]!();
    expectConfigError(() => rs.checkPolicy({ claims: [] }, 'routes./items'), 'routes./items.claims');
    await expect(rs.authenticate(bearerRequest(plainToken), { claims: [] })).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option: 'authenticate(request, policy).claims',
    });
    await expect(rs.authenticateOptional(bearerRequest(plainToken), { claims: [] })).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option: 'authenticateOptional(request, policy).claims',
    });
    // A list that checks something still guards the route, and the same token is refused by it.
    expectRejected(
      await rs.authenticate(bearerRequest(plainToken), { claims: [claimEquals('tenant', 'acme')] }),
      'claim_check_failed',
      403,
    );
    expectAccepted(
      await rs.authenticate(bearerRequest(await mint(key, { tenant: 'acme' })), {
        claims: [claimEquals('tenant', 'acme')],
      }),
    );
  });

  it("is refused by an adapter's protect()", () => {
    const { forRoute } = fetchAdapterAuthenticator({ resolver });
    expectConfigError(() => forRoute({ claims: [] }, 'protect(policy)'), 'protect(policy).claims');
  });
});

describe('verifyClaims', () => {
  it('refuses an empty list, such as one read from an unset variable', () => {
    const error = expectConfigError(() => verifyClaims(unloaded()), 'verifyClaims');
    expect(error.problem).toContain('at least one');
    expectConfigError(() => verifyClaims([]), 'verifyClaims');
  });

  it('still turns a non-empty list into checks that guard a route', async () => {
    const rs = SERVERS['@rs/core']!({
      policy: { claims: verifyClaims([{ claim: 'tenant', type: 'STRING', value: 'acme' }]) },
    });
    expectRejected(await rs.authenticate(bearerRequest(plainToken)), 'claim_check_failed', 403);
    expectAccepted(await rs.authenticate(bearerRequest(await mint(key, { tenant: 'acme' }))));
  });
});

describe('jwtResolver requiredClaims', () => {
  const base = () => ({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });

  it('refuses an empty list, in the main entry and in lite', () => {
    const error = expectConfigError(
      () => jwtResolver({ ...base(), requiredClaims: [] }),
      'jwtResolver.requiredClaims',
    );
    expect(error.problem).toContain('requires nothing');
    expectConfigError(
      () =>
        liteJwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: liteStaticJwks(jwksOf(key)),
          requiredClaims: [],
        }),
      'jwtResolver.requiredClaims',
    );
  });

  it('still refuses a token without a claim a non-empty list requires', async () => {
    const rs = createResourceServer({
      resolver: jwtResolver({ ...base(), requiredClaims: ['tenant'] }),
      clock: () => NOW_MS,
    });
    expectRejected(await rs.authenticate(bearerRequest(plainToken)), 'claim_missing', 401);
    expectAccepted(await rs.authenticate(bearerRequest(await mint(key, { tenant: 'acme' }))));
  });
});
