import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  remoteJwks,
  staticJwks,
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
  NOW_S,
} from '../helpers.js';
import { introspectAt, useAuthorizationServer } from '../introspection-setup.js';

let key: TestSigningKey;
let resolver: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

async function decide(claims: Record<string, unknown>, policy: AccessPolicy, now = NOW_MS) {
  const server = createResourceServer({ resolver, clock: () => now, realm: 'api' });
  return server.authenticate(bearerRequest(await mint(key, claims)), server.checkPolicy(policy, 'route'));
}

describe('acr values (RFC 9470)', () => {
  const policy = { acrValues: ['urn:mfa', 'phr'] };

  it('accepts a token whose acr is one of the values', async () => {
    expectAccepted(await decide({ acr: 'phr' }, policy));
  });

  it.each([
    ['another class', { acr: 'urn:pwd' }],
    ['a different case', { acr: 'PHR' }],
    ['no acr at all', {}],
    ['acr of the wrong type', { acr: ['phr'] }],
  ])('refuses %s with 401 insufficient_user_authentication and acr_values', async (_name, claims) => {
    const rejection = expectRejected(await decide(claims, policy), 'insufficient_user_authentication', 401);
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_user_authentication", error_description="The authentication ' +
        'context class of the access token is not sufficient for this resource", acr_values="urn:mfa phr"',
    );
    expect(rejection.body).toMatchObject({ error: 'insufficient_user_authentication' });
  });
});

describe('maximum authentication age (RFC 9470)', () => {
  it('accepts an authentication exactly max_age old, refuses one a second older', async () => {
    expectAccepted(await decide({ auth_time: NOW_S - 600 }, { maxAge: 600 }));
    const rejection = expectRejected(
      await decide({ auth_time: NOW_S - 601 }, { maxAge: 600 }),
      'insufficient_user_authentication',
    );
    expect(rejection.wwwAuthenticate).toContain('max_age="600"');
    expect(rejection.wwwAuthenticate).not.toContain('acr_values');
    expect(rejection.description).toBe('The user authenticated too long ago for this resource');
  });

  it('refuses an auth_time after the token was issued, or beyond any clock skew ahead, which meets any max_age', async () => {
    // Minted tokens are issued (iat) at NOW_S.
    expectAccepted(await decide({ auth_time: NOW_S }, { maxAge: 600 }));
    for (const claims of [
      { auth_time: NOW_S + 1 },
      { auth_time: 1e300 },
      // Without iat, only this server's clock can tell: at most 5 minutes ahead, the largest skew allowed.
      { iat: undefined, auth_time: NOW_S + 301 },
    ]) {
      const rejection = expectRejected(
        await decide(claims, { maxAge: 600 }),
        'insufficient_user_authentication',
      );
      expect(rejection.description).toBe(
        'The access token says the user authenticated at a time still to come',
      );
    }
    expectAccepted(await decide({ iat: undefined, auth_time: NOW_S + 300 }, { maxAge: 600 }));
  });

  it('refuses a token that does not say when the user authenticated', async () => {
    for (const authTime of [undefined, '1700000000', null]) {
      const rejection = expectRejected(
        await decide({ auth_time: authTime }, { maxAge: 600 }),
        'insufficient_user_authentication',
      );
      expect(rejection.description).toBe('The access token does not say when the user authenticated');
    }
  });

  it('names both demands in the challenge when a route has both', async () => {
    const rejection = expectRejected(
      await decide({ acr: 'urn:mfa', auth_time: NOW_S - 4000 }, { acrValues: ['urn:mfa'], maxAge: 3600 }),
      'insufficient_user_authentication',
    );
    expect(rejection.wwwAuthenticate).toContain('acr_values="urn:mfa", max_age="3600"');
  });

  it('checks scopes first: stepping up would not give a missing scope', async () => {
    expectRejected(
      await decide({ scope: 'read', acr: 'low' }, { scopes: ['admin'], acrValues: ['urn:mfa'] }),
      'insufficient_scope',
      403,
    );
  });

  it('applies the server-wide demand and the route one', async () => {
    const server = createResourceServer({ resolver, clock: () => NOW_MS, policy: { maxAge: 60 } });
    const token = await mint(key, { acr: 'urn:mfa', auth_time: NOW_S - 120 });
    expectRejected(
      await server.authenticate(bearerRequest(token), { acrValues: ['urn:mfa'] }),
      'insufficient_user_authentication',
    );
  });
});

describe('the step-up challenge of two policies', () => {
  async function decideWithBoth(
    claims: Record<string, unknown>,
    serverPolicy: AccessPolicy,
    route: AccessPolicy,
  ) {
    const server = createResourceServer({
      resolver,
      clock: () => NOW_MS,
      realm: 'api',
      policy: serverPolicy,
    });
    return server.authenticate(bearerRequest(await mint(key, claims)), server.checkPolicy(route, 'route'));
  }
  const challenged = (challenge: string | undefined, name: string) =>
    new RegExp(`${name}="([^"]*)"`).exec(challenge ?? '')?.[1];

  /** The challenge asks for a login that passes both policies: a token with what it names is accepted. */
  async function expectActionable(
    claims: Record<string, unknown>,
    serverPolicy: AccessPolicy,
    route: AccessPolicy,
    expected: { acrValues?: string; maxAge?: string },
  ) {
    const rejection = expectRejected(
      await decideWithBoth(claims, serverPolicy, route),
      'insufficient_user_authentication',
      401,
    );
    const acrValues = challenged(rejection.wwwAuthenticate, 'acr_values');
    const maxAge = challenged(rejection.wwwAuthenticate, 'max_age');
    expect({ acrValues, maxAge }).toEqual({ acrValues: expected.acrValues, maxAge: expected.maxAge });
    // A fresh login of a class the challenge names.
    const acr = acrValues?.split(' ')[0] ?? claims.acr;
    expectAccepted(await decideWithBoth({ ...claims, acr, auth_time: NOW_S }, serverPolicy, route));
  }

  it('names the acr values both policies accept, whichever of them refused', async () => {
    const serverPolicy = { acrValues: ['urn:mfa', 'urn:hwk'] };
    const route = { acrValues: ['urn:hwk', 'urn:bio'] };
    // The server-wide policy refuses: naming its own values would send the client for urn:mfa.
    await expectActionable({ acr: 'urn:pwd' }, serverPolicy, route, { acrValues: 'urn:hwk' });
    // The server-wide policy passes, the route refuses.
    await expectActionable({ acr: 'urn:mfa' }, serverPolicy, route, { acrValues: 'urn:hwk' });
  });

  it('names the max_age of the other policy, and the shorter of two', async () => {
    await expectActionable(
      { acr: 'urn:pwd', auth_time: NOW_S - 1000 },
      { acrValues: ['urn:mfa'] },
      { maxAge: 60 },
      {
        acrValues: 'urn:mfa',
        maxAge: '60',
      },
    );
    await expectActionable(
      { acr: 'urn:mfa', auth_time: NOW_S - 1000 },
      { maxAge: 600 },
      { acrValues: ['urn:mfa'], maxAge: 60 },
      {
        acrValues: 'urn:mfa',
        maxAge: '60',
      },
    );
    await expectActionable({ auth_time: NOW_S - 100 }, { maxAge: 60 }, { maxAge: 600 }, { maxAge: '60' });
  });

  it('keeps the values of the policy that refused when the two accept no acr in common', async () => {
    const rejection = expectRejected(
      await decideWithBoth({ acr: 'urn:pwd' }, { acrValues: ['urn:mfa'] }, { acrValues: ['urn:hwk'] }),
      'insufficient_user_authentication',
    );
    expect(challenged(rejection.wwwAuthenticate, 'acr_values')).toBe('urn:mfa');
  });
});

describe('step-up configuration', () => {
  it.each([
    [{ acrValues: [] }, 'route.acrValues'],
    [{ acrValues: ['has space'] }, 'route.acrValues'],
    [{ acrValues: ['quote"d'] }, 'route.acrValues'],
    [{ acrValues: 'urn:mfa' }, 'route.acrValues'],
    [{ maxAge: -1 }, 'route.maxAge'],
    // No login is ever 0 seconds before the request that uses its token.
    [{ maxAge: 0 }, 'route.maxAge'],
    [{ maxAge: 1.5 }, 'route.maxAge'],
  ])('refuses %j at start-up', (policy, option) => {
    const server = createResourceServer({ resolver });
    expectConfigError(() => server.checkPolicy(policy as AccessPolicy, 'route'), option);
  });

  it.each([
    [0, 'could never be met'],
    ['300', 'not a string: convert it with Number()'],
  ])('says why maxAge %j is refused', (maxAge, why) => {
    const server = createResourceServer({ resolver });
    const error = expectConfigError(
      () => server.checkPolicy({ maxAge } as unknown as AccessPolicy, 'route'),
      'route.maxAge',
    );
    expect(error.message).toContain(why);
    // The zero's reason is for a zero only.
    if (maxAge !== 0) expect(error.message).not.toContain('could never be met');
  });
});

describe('with a real authorization server', () => {
  const as = useAuthorizationServer();

  it('reads acr and auth_time from an introspection answer', async () => {
    const { resolver: introspection } = introspectAt(as());
    const server = createResourceServer({ resolver: introspection, requireHttps: false });
    const now = Math.floor(Date.now() / 1000);
    const strong = await as().issueToken({ claims: { acr: 'urn:mfa', auth_time: now - 30 } });
    const weak = await as().issueToken({ claims: { acr: 'urn:pwd', auth_time: now - 30 } });
    const old = await as().issueToken({ claims: { acr: 'urn:mfa', auth_time: now - 7200 } });
    const policy = { acrValues: ['urn:mfa'], maxAge: 3600 };
    expectAccepted(await server.authenticate(bearerRequest(strong), policy));
    const refusedWeak = expectRejected(
      await server.authenticate(bearerRequest(weak), policy),
      'insufficient_user_authentication',
    );
    expect(refusedWeak.description).toContain('authentication context class');
    const refusedOld = expectRejected(
      await server.authenticate(bearerRequest(old), policy),
      'insufficient_user_authentication',
    );
    expect(refusedOld.wwwAuthenticate).toContain('acr_values="urn:mfa", max_age="3600"');
  });

  it('reads them from a JWT access token the server signed', async () => {
    const jwt = jwtResolver({
      issuer: as().issuer,
      audience: as().resources.jwt,
      keys: remoteJwks({ url: as().jwksUri, allowInsecureHttp: true }),
    });
    const server = createResourceServer({ resolver: jwt, requireHttps: false });
    const now = Math.floor(Date.now() / 1000);
    const token = await as().issueToken({
      resource: as().resources.jwt,
      claims: { acr: 'urn:pwd', auth_time: now },
    });
    expectAccepted(await server.authenticate(bearerRequest(token), { acrValues: ['urn:pwd'], maxAge: 60 }));
    expectRejected(
      await server.authenticate(bearerRequest(token), { acrValues: ['urn:mfa'] }),
      'insufficient_user_authentication',
    );
  });
});
