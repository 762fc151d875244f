import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { authenticateWithRoutePolicy } from '../../src/adapter/index.js';
import {
  type AccessPolicy,
  type AccessTokenResolver,
  claimAt,
  claimCheck,
  claimEquals,
  claimIncludes,
  createResourceServer,
  jwtResolver,
  type ResourceServerOptions,
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
} from '../helpers.js';

let key: TestSigningKey;
let resolver: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  resolver = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

function server(options: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({ resolver, clock: () => NOW_MS, ...options });
}

async function withClaims(
  claims: Record<string, unknown>,
  routePolicy?: AccessPolicy,
  options?: Partial<ResourceServerOptions>,
) {
  // Without a route policy, called without the argument: core refuses one given as `undefined`.
  return authenticateWithRoutePolicy(server(options), bearerRequest(await mint(key, claims)), routePolicy);
}

const SCOPE_DENIED = (scopes: string) =>
  `Bearer error="insufficient_scope", error_description="The access token lacks a scope this request requires", scope="${scopes}"`;
const ANY_DENIED = (scopes: string) =>
  `Bearer error="insufficient_scope", error_description="The access token has none of the scopes this request accepts", scope="${scopes}"`;

describe('where scopes come from', () => {
  it.each([
    ['scope string', { scope: 'read write' }],
    ['scope string with extra spaces', { scope: '  read   write ' }],
    ['scope array', { scope: ['read', 'write'] }],
    ['scp array', { scope: undefined, scp: ['read', 'write'] }],
    ['scp string', { scope: undefined, scp: 'read write' }],
  ])('%s', async (_name, claims) => {
    const context = expectAccepted(await withClaims(claims, { scopes: ['read', 'write'] }));
    expect([...context.scopes].sort()).toEqual(['read', 'write']);
  });

  it('has no scopes without scope or scp, or with an empty scope', async () => {
    for (const claims of [{ scope: undefined }, { scope: '' }, { scope: [] }]) {
      const rejection = expectRejected(
        await withClaims(claims, { scopes: ['read'] }),
        'insufficient_scope',
        403,
      );
      expect(rejection.wwwAuthenticate).toBe(SCOPE_DENIED('read'));
    }
  });

  it('refuses a JWT whose scope is neither a string nor a list of strings, as introspection does', async () => {
    for (const scope of [42, ['read', 7, null, '']])
      expectRejected(await withClaims({ scope }, { scopes: ['read'] }), 'claim_invalid', 401);
  });
});

describe('scope requirements', () => {
  it('a list requires all of its scopes, and names them all in the challenge', async () => {
    expectAccepted(await withClaims({ scope: 'read write admin' }, { scopes: ['read', 'write'] }));
    const rejection = expectRejected(
      await withClaims({ scope: 'read' }, { scopes: ['read', 'write'] }),
      'insufficient_scope',
      403,
    );
    expect(rejection.wwwAuthenticate).toBe(SCOPE_DENIED('read write'));
    expect(rejection.body).toEqual({
      error: 'insufficient_scope',
      error_description: 'The access token lacks a scope this request requires',
      code: 'insufficient_scope',
    });
  });

  it('{ allOf } is the same as a list', async () => {
    expectAccepted(await withClaims({ scope: 'read write' }, { scopes: { allOf: ['read', 'write'] } }));
    const rejection = expectRejected(
      await withClaims({ scope: 'write' }, { scopes: { allOf: ['read', 'write'] } }),
      'insufficient_scope',
      403,
    );
    expect(rejection.wwwAuthenticate).toBe(SCOPE_DENIED('read write'));
  });

  it('{ anyOf } needs one of them', async () => {
    const policy = { scopes: { anyOf: ['admin', 'write'] } };
    expectAccepted(await withClaims({ scope: 'write' }, policy));
    expectAccepted(await withClaims({ scope: 'admin' }, policy));
    const rejection = expectRejected(await withClaims({ scope: 'read' }, policy), 'insufficient_scope', 403);
    expect(rejection.wwwAuthenticate).toBe(ANY_DENIED('admin write'));
  });

  it('a function computes the requirement per request', async () => {
    const policy: AccessPolicy = {
      scopes: (request, token) =>
        request.method === 'GET' ? ['read'] : token.subject === 'boss' ? [] : { anyOf: ['write'] },
    };
    const token = await mint(key, { scope: 'read' });
    const rs = server();
    expectAccepted(await rs.authenticate(bearerRequest(token), policy));
    const rejection = expectRejected(
      await rs.authenticate(bearerRequest(token, { method: 'POST' }), policy),
      'insufficient_scope',
    );
    expect(rejection.wwwAuthenticate).toBe(ANY_DENIED('write'));
    expectAccepted(
      await rs.authenticate(
        bearerRequest(await mint(key, { scope: 'read', sub: 'boss' }), { method: 'POST' }),
        policy,
      ),
    );
  });

  it('includes the realm in a 403 challenge', async () => {
    const rejection = expectRejected(
      await withClaims({ scope: 'read' }, { scopes: ['write'] }, { realm: 'api' }),
      'insufficient_scope',
    );
    expect(rejection.wwwAuthenticate).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="The access token lacks a scope this request requires", scope="write"',
    );
  });
});

describe('claim checks', () => {
  const CLAIM_DENIED = (description: string) =>
    `Bearer error="insufficient_scope", error_description="${description}"`;

  it('claimEquals: 403 without a scope parameter, naming the claim but not its value', async () => {
    const policy = { claims: [claimEquals('tenant', 'acme')] };
    expectAccepted(await withClaims({ tenant: 'acme' }, policy));
    for (const tenant of ['other', undefined, ['acme'], 'ACME']) {
      const rejection = expectRejected(await withClaims({ tenant }, policy), 'claim_check_failed', 403);
      expect(rejection.wwwAuthenticate).toBe(
        CLAIM_DENIED('The access token claim tenant must equal the expected value'),
      );
      expect(rejection.wwwAuthenticate).not.toContain('scope=');
      expect(rejection.wwwAuthenticate).not.toContain('acme');
      expect(rejection.body.error_description).toBe(
        'The access token claim "tenant" must equal the expected value',
      );
    }
    expectAccepted(
      await withClaims(
        { level: 3, admin: true },
        { claims: [claimEquals('level', 3), claimEquals('admin', true)] },
      ),
    );
    expectRejected(
      await withClaims({ level: '3' }, { claims: [claimEquals('level', 3)] }),
      'claim_check_failed',
    );
  });

  it('claimIncludes on an array, a space-separated string and a nested path', async () => {
    expectAccepted(
      await withClaims({ groups: ['staff', 'admin'] }, { claims: [claimIncludes('groups', 'admin')] }),
    );
    expectAccepted(
      await withClaims({ groups: 'staff admin' }, { claims: [claimIncludes('groups', 'admin', 'staff')] }),
    );
    expectRejected(
      await withClaims({ groups: ['staff'] }, { claims: [claimIncludes('groups', 'admin')] }),
      'claim_check_failed',
    );
    expectRejected(
      await withClaims({ groups: ['staff'] }, { claims: [claimIncludes('groups', 'staff', 'admin')] }),
      'claim_check_failed',
    );
    expectRejected(
      await withClaims({ groups: { admin: true } }, { claims: [claimIncludes('groups', 'admin')] }),
      'claim_check_failed',
    );

    const nested = { claims: [claimIncludes(['realm_access', 'roles'], 'editor')] };
    expectAccepted(await withClaims({ realm_access: { roles: ['viewer', 'editor'] } }, nested));
    for (const realm_access of [
      { roles: ['viewer'] },
      undefined,
      ['editor'],
      { roles: 'viewer' },
      { other: ['editor'] },
    ]) {
      const rejection = expectRejected(await withClaims({ realm_access }, nested), 'claim_check_failed', 403);
      expect(rejection.wwwAuthenticate).toBe(
        CLAIM_DENIED('The access token claim realm_access.roles must include the required values'),
      );
    }
    expectRejected(await withClaims({ 'realm_access.roles': ['editor'] }, nested), 'claim_check_failed');
  });

  it('claimCheck with any predicate', async () => {
    const policy = { claims: [claimCheck('email_verified', (value) => value === true, 'a verified email')] };
    expectAccepted(await withClaims({ email_verified: true }, policy));
    const rejection = expectRejected(
      await withClaims({ email_verified: 'true' }, policy),
      'claim_check_failed',
      403,
    );
    expect(rejection.wwwAuthenticate).toBe(
      CLAIM_DENIED('The access token claim email_verified must satisfy a verified email'),
    );
    const byToken = {
      claims: [claimCheck('sub', (sub, token) => sub === token.subject && token.clientId === 'client-abc')],
    };
    expectAccepted(await withClaims({}, byToken));
    expect(
      expectRejected(await withClaims({ client_id: 'other' }, byToken), 'claim_check_failed').description,
    ).toBe('The access token claim "sub" must satisfy the route condition');
  });

  it('checks every claim check, stopping at the first failure', async () => {
    const calls: string[] = [];
    const policy = {
      claims: [
        claimCheck('a', () => {
          calls.push('a');
          return true;
        }),
        claimCheck('b', () => {
          calls.push('b');
          return false;
        }),
        claimCheck('c', () => {
          calls.push('c');
          return true;
        }),
      ],
    };
    expect(expectRejected(await withClaims({}, policy), 'claim_check_failed').description).toBe(
      'The access token claim "b" must satisfy the route condition',
    );
    expect(calls).toEqual(['a', 'b']);
  });

  it('claimAt reads nested objects only', () => {
    const claims = { a: { b: { c: 1 } }, list: [{ b: 2 }], s: 'x' };
    expect(claimAt(claims, 'a')).toEqual({ b: { c: 1 } });
    expect(claimAt(claims, ['a', 'b', 'c'])).toBe(1);
    expect(claimAt(claims, ['a', 'x', 'c'])).toBeUndefined();
    expect(claimAt(claims, ['list', '0', 'b'])).toBeUndefined();
    expect(claimAt(claims, ['s', 'length'])).toBeUndefined();
    expect(claimAt(claims, [])).toBe(claims);
  });
});

describe('server-wide and route policies', () => {
  it('both apply: a route cannot drop a server-wide requirement', async () => {
    const options = { policy: { scopes: ['read'] } };
    const route = { scopes: ['write'] };
    expectAccepted(await withClaims({ scope: 'read write' }, route, options));
    // Whichever fails, the challenge names what both need (see 'the scope challenge of two policies').
    expect(
      expectRejected(await withClaims({ scope: 'read' }, route, options), 'insufficient_scope')
        .wwwAuthenticate,
    ).toBe(SCOPE_DENIED('read write'));
    expect(
      expectRejected(await withClaims({ scope: 'write' }, route, options), 'insufficient_scope')
        .wwwAuthenticate,
    ).toBe(SCOPE_DENIED('read write'));
    expectRejected(await withClaims({ scope: 'write' }, undefined, options), 'insufficient_scope');
    expectAccepted(await withClaims({ scope: 'read' }, undefined, options));
    // An empty route policy does not relax the server-wide one.
    expectRejected(await withClaims({ scope: 'write' }, {}, options), 'insufficient_scope');
  });

  it('mixes server-wide claims with route scopes', async () => {
    const options = { policy: { claims: [claimEquals('tenant', 'acme')] } };
    const route = { scopes: { anyOf: ['admin'] } };
    expectAccepted(await withClaims({ tenant: 'acme', scope: 'admin' }, route, options));
    expectRejected(
      await withClaims({ tenant: 'other', scope: 'admin' }, route, options),
      'claim_check_failed',
    );
    expectRejected(await withClaims({ tenant: 'acme', scope: 'read' }, route, options), 'insufficient_scope');
  });

  it('checkPolicy validates a route policy at registration, naming its origin', () => {
    const rs = server();
    const policy = { scopes: ['read'] };
    const settled = rs.checkPolicy(policy, 'routes./items');
    expect(settled).toEqual(policy);
    expect(Object.isFrozen(settled) && Object.isFrozen(settled.scopes)).toBe(true);
    expect(rs.checkPolicy(undefined, 'routes./items')).toBeUndefined();
    expectConfigError(
      () => rs.checkPolicy({ scopes: ['read write'] }, 'routes./items'),
      'routes./items.scopes',
    );
    expectConfigError(
      () => rs.checkPolicy({ claims: [{}] } as unknown as AccessPolicy, 'routes./items'),
      'routes./items.claims[0]',
    );
  });
});

// RFC 6750 §3: `scope` is the scope needed to access the resource. With a server-wide and a route policy,
// that is what both require: a client that asks for exactly the scopes named must get through.
describe('the scope challenge of two policies', () => {
  /** The scopes a challenge names, as a client reads them. */
  const challengedScopes = (challenge: string | undefined) => /scope="([^"]*)"/.exec(challenge ?? '')?.[1];

  /** A refusal's challenge scope, then a token granted exactly those scopes passes both policies. */
  async function expectActionable(
    claims: Record<string, unknown>,
    route: AccessPolicy,
    options: Partial<ResourceServerOptions>,
    expected: string,
  ) {
    const rejection = expectRejected(await withClaims(claims, route, options), 'insufficient_scope', 403);
    const scope = challengedScopes(rejection.wwwAuthenticate);
    expect(scope, JSON.stringify(claims)).toBe(expected);
    expectAccepted(await withClaims({ ...claims, scope }, route, options));
    return rejection;
  }

  it('names the scopes of both, the server-wide ones first, whichever policy fails', async () => {
    const options = { policy: { scopes: ['base'] } };
    const route = { scopes: ['read'] };
    for (const scope of ['', 'read', 'base', 'other'])
      await expectActionable({ scope }, route, options, 'base read');
    expectAccepted(await withClaims({ scope: 'base read' }, route, options));
    // When only one policy requires scopes, its own are named.
    const claimsOnly = { policy: { claims: [claimEquals('tenant', 'acme')] } };
    await expectActionable({ tenant: 'acme', scope: 'x' }, route, claimsOnly, 'read');
    await expectActionable({ scope: 'x' }, {}, options, 'base');
  });

  it('names a scope both require once', async () => {
    const options = { policy: { scopes: ['base', 'read'] } };
    const route = { scopes: { allOf: ['read', 'write', 'base'] } };
    for (const scope of ['', 'base read', 'read write'])
      await expectActionable({ scope }, route, options, 'base read write');
  });

  it('names every alternative of an { anyOf }, keeping the description of the policy that failed', async () => {
    const options = { policy: { scopes: { anyOf: ['staff', 'admin'] } } };
    const route = { scopes: ['read'] };
    const routeFailed = await expectActionable({ scope: 'admin' }, route, options, 'staff admin read');
    expect(routeFailed.wwwAuthenticate).toBe(SCOPE_DENIED('staff admin read'));
    const serverFailed = await expectActionable({ scope: 'read' }, route, options, 'staff admin read');
    expect(serverFailed.wwwAuthenticate).toBe(ANY_DENIED('staff admin read'));
  });

  it('evaluates a computed requirement once per request, and only for a refusal when not needed', async () => {
    const calls = { server: 0, route: 0 };
    const options = {
      policy: {
        scopes: () => {
          calls.server += 1;
          return ['base'];
        },
      },
    };
    const route: AccessPolicy = {
      scopes: (request) => {
        calls.route += 1;
        return request.method === 'GET' ? ['read'] : [];
      },
    };
    await expectActionable({ scope: 'base' }, route, options, 'base read');
    expect(calls).toEqual({ server: 2, route: 2 });
    // The server-wide policy fails: the route's requirement is computed for the challenge alone.
    await expectActionable({ scope: 'read' }, route, options, 'base read');
    expect(calls).toEqual({ server: 4, route: 4 });
    // A computed requirement of no scope adds none.
    const rs = server(options);
    const post = bearerRequest(await mint(key, { scope: 'read' }), { method: 'POST' });
    const rejection = expectRejected(await rs.authenticate(post, route), 'insufficient_scope');
    expect(rejection.wwwAuthenticate).toBe(SCOPE_DENIED('base'));
  });

  it("names the server-wide scopes alone when the route's computed requirement fails for a request refused before it", async () => {
    const options = { policy: { scopes: ['org'] } };
    // Written for tokens the server-wide policy admits (they carry an `org`): for others it throws.
    const throwing: AccessPolicy = {
      scopes: (_request, token) => [`org:${(token.claims.org as { id: string }).id}`],
    };
    // Or answers a requirement that is no requirement at all.
    const invalid: AccessPolicy = {
      scopes: (_request, token) => (token.claims.org === undefined ? { anyOf: [] } : ['read']),
    };
    for (const route of [throwing, invalid]) {
      const refused = expectRejected(
        await withClaims({ scope: 'read' }, route, options),
        'insufficient_scope',
        403,
      );
      expect(refused.wwwAuthenticate).toBe(SCOPE_DENIED('org'));
    }
    // A token the server-wide policy admits reaches the route's function as before.
    expectAccepted(await withClaims({ scope: 'org org:acme', org: { id: 'acme' } }, throwing, options));
  });

  it('keeps the first refusal of another kind, claims or step-up, before any scope', async () => {
    const tenant = claimEquals('tenant', 'acme');
    const route = { scopes: ['read'], claims: [claimEquals('region', 'eu')] };
    // The server-wide claim fails before the route's scopes are looked at.
    const claimFirst = expectRejected(
      await withClaims({ tenant: 'other', scope: 'base' }, route, {
        policy: { scopes: ['base'], claims: [tenant] },
      }),
      'claim_check_failed',
    );
    expect(claimFirst.wwwAuthenticate).not.toContain('scope=');
    // The server-wide scopes fail first: the route's claims are not reached, and the challenge names both.
    await expectActionable(
      { tenant: 'acme', region: 'eu', scope: 'read' },
      route,
      { policy: { scopes: ['base'], claims: [tenant] } },
      'base read',
    );
    // Scopes met, the route's claim fails.
    expectRejected(
      await withClaims({ tenant: 'acme', region: 'us', scope: 'base read' }, route, {
        policy: { scopes: ['base'], claims: [tenant] },
      }),
      'claim_check_failed',
    );
    const stepUp = expectRejected(
      await withClaims({ acr: 'silver', scope: 'base' }, route, {
        policy: { scopes: ['base'], acrValues: ['gold'] },
      }),
      'insufficient_user_authentication',
    );
    expect(stepUp.wwwAuthenticate).not.toContain('scope=');
  });
});

describe('policy hardening', () => {
  it('refuses an empty any-of at build time: it would accept every token', () => {
    expectConfigError(() => server({ policy: { scopes: { anyOf: [] } } }), 'policy.scopes');
  });

  it.each([
    ['an empty list', []],
    ['an empty { allOf }', { allOf: [] }],
  ])(
    'refuses %s at build time, per route and per request: it would require nothing',
    async (_name, scopes) => {
      // The list a failed load leaves, `''.split(' ').filter(Boolean)`: a token without any scope passed.
      const error = expectConfigError(() => server({ policy: { scopes } }), 'policy.scopes');
      expect(error.message).toContain('needs at least one scope');
      expectConfigError(() => server().checkPolicy({ scopes }, 'routes./items'), 'routes./items.scopes');
      const token = await mint(key);
      await expect(server().authenticate(bearerRequest(token), { scopes })).rejects.toMatchObject({
        code: 'ERR_RS_CONFIG',
        option: 'authenticate(request, policy).scopes',
      });
    },
  );

  it.each([
    ['an empty { allOf }', { allOf: [] }],
    ['an empty { anyOf }', { anyOf: [] }],
  ])(
    'throws when a computed requirement returns %s, never letting the request through',
    async (_name, scopes) => {
      const rs = server({ policy: { scopes: () => scopes } });
      await expect(rs.authenticate(bearerRequest(await mint(key)))).rejects.toMatchObject({
        code: 'ERR_RS_CONFIG',
        option: 'policy.scopes (computed)',
        message: expect.stringContaining('needs at least one scope'),
      });
    },
  );

  it('throws a configuration error naming the computed policy when it returns nonsense', async () => {
    const rs = server({ policy: { scopes: () => ({ anyOf: ['has space'] }) } });
    const token = await mint(key, { scope: 'read' });
    await expect(rs.authenticate(bearerRequest(token))).rejects.toMatchObject({
      code: 'ERR_RS_CONFIG',
      option: 'policy.scopes (computed)',
    });
  });

  it('never finds inherited members as claims', async () => {
    const token = await mint(key, { scope: 'read' });
    const rs = server({ policy: { claims: [claimCheck('constructor', (value) => value !== undefined)] } });
    expectRejected(await rs.authenticate(bearerRequest(token)), 'claim_check_failed', 403);
    expect(claimAt({ a: {} }, ['a', 'toString'])).toBeUndefined();
    expect(claimAt({}, '__proto__')).toBeUndefined();
  });
});

describe('a policy is held as it was checked', () => {
  const adminRead = async () => bearerRequest(await mint(key, { scope: 'read' }));

  it('a server policy changed after start-up still applies as checked', async () => {
    const emptied: { scopes?: string[]; scope?: string[] } = { scopes: ['admin'] };
    const renamed: { scopes?: string[]; scope?: string[] } = { scopes: ['admin'] };
    const servers = [server({ policy: emptied }), server({ policy: renamed })];
    emptied.scopes = [];
    delete renamed.scopes;
    renamed.scope = ['admin'];
    for (const rs of servers)
      expectRejected(await rs.authenticate(await adminRead()), 'insufficient_scope', 403);
  });

  it('a list changed in place after start-up still applies as checked', async () => {
    const scopes = ['admin'];
    const acrValues = ['gold'];
    const rs = server({ policy: { scopes, acrValues } });
    scopes.splice(0, 1, 'read');
    acrValues.length = 0;
    expectRejected(await rs.authenticate(await adminRead()), 'insufficient_scope', 403);
  });

  it('a route policy changed after its check (or after its first request) still applies as checked', async () => {
    const rs = server();
    const registered = { scopes: ['admin'] };
    const settled = rs.checkPolicy(registered, 'routes./admin');
    const passedOnly: { scopes?: string[] } = { scopes: ['admin'] };
    expectRejected(await rs.authenticate(await adminRead(), passedOnly), 'insufficient_scope', 403);
    registered.scopes = ['read'];
    delete passedOnly.scopes;
    for (const policy of [registered, settled, passedOnly])
      expectRejected(await rs.authenticate(await adminRead(), policy), 'insufficient_scope', 403);
  });

  it('a getter is read once, when the policy is checked', async () => {
    let reads = 0;
    const policy = {
      get scopes() {
        reads += 1;
        return reads === 1 ? ['admin'] : undefined;
      },
    };
    const rs = server({ policy: policy as AccessPolicy });
    expectRejected(await rs.authenticate(await adminRead()), 'insufficient_scope', 403);
    expect(reads).toBe(1);
  });

  it('refuses a member given as undefined: a requirement that failed to load requires nothing', () => {
    const unset: Record<string, string | undefined> = {};
    for (const policy of [
      { scopes: unset.SCOPES?.split(' ') },
      { acrValues: unset.ACR?.split(' ') },
      { maxAge: undefined },
      { claims: undefined },
      { requireSenderConstrained: undefined },
    ]) {
      const member = Object.keys(policy)[0];
      const error = expectConfigError(() => server({ policy }), `policy.${member}`);
      expect(error.problem).toMatch(/undefined/);
      expectConfigError(() => server().checkPolicy(policy, 'routes./items'), `routes./items.${member}`);
    }
  });

  it('refuses a hole in a list of scopes or claim checks', () => {
    expectConfigError(() => server({ policy: { scopes: new Array<string>(1) } }), 'policy.scopes');
    expectConfigError(
      () => server({ policy: { claims: new Array(1) } as unknown as AccessPolicy }),
      'policy.claims[0]',
    );
  });
});
