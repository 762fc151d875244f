import { describe, expect, it } from 'vitest';
import {
  claimHeaderName,
  createContext,
  remoteJwks,
  tokenInfoFromClaims,
  upstreamHeaders,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectConfigError } from '../helpers.js';
import { introspectAt, resourceServerWith, useAuthorizationServer } from '../introspection-setup.js';

function context(claims: Record<string, unknown>, introspectionJwt?: string) {
  const info = { ...tokenInfoFromClaims(claims, 'introspection'), introspectionJwt };
  return createContext(info, 'the-raw-token', 'authorization-header');
}

describe('header names', () => {
  it.each([
    ['username', 'X-Token-Username'],
    ['client-id', 'X-Token-Client-Id'],
    ['client_id', 'X-Token-Client-Id'],
    ['resource_access.account.roles', 'X-Token-Resource-Access-Account-Roles'],
  ])('%s is forwarded as %s, as NGINX names it', (claim, header) => {
    expect(claimHeaderName(claim)).toBe(header);
  });
});

describe('upstream headers', () => {
  const claims = {
    sub: 'alice',
    exp: 1_700_000_300,
    scope: 'openid email profile',
    email_verified: true,
    roles: ['manage-account', 'view-profile'],
    address: { country: 'NZ', locality: 'Wellington' },
  };

  it('writes strings, numbers, booleans, arrays and objects as documented', () => {
    const forwarded = upstreamHeaders({
      claims: ['sub', 'exp', 'scope', 'email_verified', 'roles', 'address', 'address.country', 'missing'],
    });
    expect(forwarded.forContext(context(claims))).toEqual({
      'x-token-sub': 'alice',
      'x-token-exp': '1700000300',
      'x-token-scope': 'openid email profile',
      'x-token-email-verified': 'true',
      'x-token-roles': 'manage-account, view-profile',
      'x-token-address': '{"country":"NZ","locality":"Wellington"}',
      'x-token-address-country': 'NZ',
    });
    const asJson = upstreamHeaders({ claims: { 'X-Roles': 'roles' }, arrays: 'json' });
    expect(asJson.forContext(context(claims))).toEqual({ 'x-roles': '["manage-account","view-profile"]' });
  });

  it("forwards NGINX's list as NGINX does: client-id finds client_id, unless a client-id claim exists", () => {
    // The claim list of NGINX's introspection policy guide, on the Keycloak answer it shows.
    const nginx = upstreamHeaders({
      claims: ['username', 'exp', 'scope', 'iss', 'client-id', 'resource_access.account.roles', 'fake-claim'],
    });
    const keycloak = {
      active: true,
      exp: 1665585794,
      iss: 'http://192.0.2.5:8080/realms/nginx',
      scope: 'openid profile email',
      client_id: 'nginx-plus',
      username: 'nginx-user',
      resource_access: { account: { roles: ['manage-account'] } },
    };
    expect(nginx.forContext(context(keycloak))).toEqual({
      'x-token-username': 'nginx-user',
      'x-token-exp': '1665585794',
      'x-token-scope': 'openid profile email',
      'x-token-iss': 'http://192.0.2.5:8080/realms/nginx',
      'x-token-client-id': 'nginx-plus',
      'x-token-resource-access-account-roles': 'manage-account',
    });
    // A claim spelt with `-` is read first; a path's segments are read with `_` alike.
    expect(nginx.forContext(context({ ...keycloak, 'client-id': 'literal' }))['x-token-client-id']).toBe(
      'literal',
    );
    const path = upstreamHeaders({ claims: ['resource-access.account.roles'] });
    expect(path.forContext(context(keycloak))).toEqual({
      'x-token-resource-access-account-roles': 'manage-account',
    });
    // A header mapped by name reads the path as written.
    const mapped = upstreamHeaders({ claims: { 'X-Client': 'client-id' } });
    expect(mapped.forContext(context(keycloak))).toEqual({});
  });

  it('removes the client own headers of those names, any with the prefix, and the credentials', () => {
    const forwarded = upstreamHeaders({ claims: ['sub'], introspectionJwtHeader: 'X-Token-Jwt' });
    const rewritten = forwarded.rewrite(
      {
        'X-Token-Sub': 'mallory',
        'x-token-admin': 'true',
        'x-token-jwt': 'forged',
        authorization: 'Bearer the-raw-token',
        DPoP: 'proof',
        accept: 'application/json',
        'x-multi': ['a', 'b'],
      },
      context(claims),
    );
    expect(rewritten).toEqual({ accept: 'application/json', 'x-multi': ['a', 'b'], 'x-token-sub': 'alice' });
    expect(JSON.stringify(rewritten)).not.toContain('the-raw-token');
    const keeping = upstreamHeaders({ claims: ['sub'], forwardCredentials: true });
    expect(keeping.rewrite({ authorization: 'Bearer t' }, context(claims))).toMatchObject({
      authorization: 'Bearer t',
    });
  });

  it('never writes a line break, control character or overlong value', () => {
    const hostile = {
      sub: 'alice\r\nX-Admin: true',
      name: 'Zoë',
      nul: 'a\u0000b',
      long: 'x'.repeat(101),
      commas: ['a,b', 'c'],
      lone: 'a\uD800b',
    };
    const omit = upstreamHeaders({
      claims: ['sub', 'name', 'nul', 'long', 'commas', 'lone'],
      maxValueLength: 100,
    });
    expect(omit.forContext(context(hostile))).toEqual({});
    const encode = upstreamHeaders({
      claims: ['sub', 'name', 'lone'],
      unsafeValues: 'percent-encode',
    });
    const headers = encode.forContext(context({ ...hostile, sub: '50%\r\nX: y' }));
    expect(headers).toEqual({ 'x-token-sub': '50%25%0D%0AX: y', 'x-token-name': 'Zo%C3%AB' });
    expect(decodeURIComponent(headers['x-token-sub']!)).toBe('50%\r\nX: y');
  });

  it.each([
    [{ claims: [] }, 'upstreamHeaders.claims'],
    [{ claims: ['https://example.com/roles'] }, 'upstreamHeaders.claims'],
    [{ claims: ['client_id', 'client-id'] }, 'upstreamHeaders.claims'],
    [{ claims: ['sub'], prefix: 'X Token' }, 'upstreamHeaders.prefix'],
    [{ claims: ['sub'], arrays: 'csv' }, 'upstreamHeaders.arrays'],
    [{ claims: ['sub'], maxValueLength: 0 }, 'upstreamHeaders.maxValueLength'],
    // A length no upstream takes: a unit mistake (bytes for KiB), refused rather than never enforced.
    [{ claims: ['sub'], maxValueLength: 1e12 }, 'upstreamHeaders.maxValueLength'],
    [{ claims: ['sub'], maxValueLength: 65_537 }, 'upstreamHeaders.maxValueLength'],
    [{ claims: ['sub'], claim: ['x'] }, 'upstreamHeaders.claim'],
  ])('refuses %j at start-up', (options, option) => {
    expectConfigError(() => upstreamHeaders(options as never), option);
  });
});

describe('upstream header options, checked when built', () => {
  const claims = { sub: 'alice', address: { country: 'NZ' } };

  it.each([
    ['undefined', undefined],
    ['a number', 42],
    ['null', null],
    ['an object', { path: 'sub' }],
    ['an empty string', ''],
    ['an empty array, which would forward the whole claim set', []],
    ['an array with an empty name', ['address', '']],
    ['an array with a number', ['address', 0]],
  ])('refuses a claim path that is %s, naming the header', (_, path) => {
    const error = expectConfigError(
      () => upstreamHeaders({ claims: { 'X-User': path } as never }),
      'upstreamHeaders.claims["X-User"]',
    );
    expect(error.message).toContain('claim path');
  });

  it.each([
    ['a number', 123],
    ['true', true],
    ['an empty string', ''],
    ['a name with a space', 'X Token Jwt'],
    ['a name with a line break', 'X-Jwt\r\nX-Admin: true'],
  ])('refuses an introspectionJwtHeader that is %s with a configuration error', (_, header) => {
    expectConfigError(
      () => upstreamHeaders({ claims: ['sub'], introspectionJwtHeader: header as never }),
      'upstreamHeaders.introspectionJwtHeader',
    );
  });

  it('refuses an introspectionJwtHeader that a claim is already forwarded under', () => {
    expectConfigError(
      () => upstreamHeaders({ claims: ['sub'], introspectionJwtHeader: 'X-Token-Sub' }),
      'upstreamHeaders.introspectionJwtHeader',
    );
  });

  it.each([
    ['a string', 'sub'],
    ['null', null],
    ['a number', 7],
  ])('refuses claims given as %s', (_, value) => {
    expectConfigError(() => upstreamHeaders({ claims: value as never }), 'upstreamHeaders.claims');
  });

  it('refuses an entry of the list form that is not a claim name, naming its position', () => {
    expectConfigError(() => upstreamHeaders({ claims: ['sub', 42 as never] }), 'upstreamHeaders.claims[1]');
  });

  const FRAMING_AND_CREDENTIALS = [
    'Content-Length',
    'transfer-encoding',
    'Connection',
    'Keep-Alive',
    'Upgrade',
    'TE',
    'Trailer',
    'Proxy-Connection',
    'Host',
    'Cookie',
    'Authorization',
    'Proxy-Authorization',
    'DPoP',
  ];

  it.each(FRAMING_AND_CREDENTIALS)(
    'refuses %s as the header of a claim, of the introspection answer, or a derived name',
    (header) => {
      expectConfigError(() => upstreamHeaders({ claims: { [header]: 'sub' } }), 'upstreamHeaders.claims');
      expectConfigError(
        () => upstreamHeaders({ claims: { [header]: 'sub' }, forwardCredentials: true }),
        'upstreamHeaders.claims',
      );
      expectConfigError(
        () => upstreamHeaders({ claims: ['sub'], introspectionJwtHeader: header }),
        'upstreamHeaders.introspectionJwtHeader',
      );
    },
  );

  it('refuses a prefix that derives a framing header name from a claim', () => {
    expectConfigError(
      () => upstreamHeaders({ claims: ['length'], prefix: 'Content-' }),
      'upstreamHeaders.claims',
    );
  });

  it.each(['prefix', 'maxValueLength', 'arrays', 'unsafeValues', 'forwardCredentials'])(
    'refuses %s given as null rather than taking the default',
    (option) => {
      expectConfigError(
        () => upstreamHeaders({ claims: ['sub'], [option]: null }),
        `upstreamHeaders.${option}`,
      );
    },
  );

  it('refuses holes in the claim list and in a claim path', () => {
    expectConfigError(() => upstreamHeaders({ claims: new Array(2) }), 'upstreamHeaders.claims[0]');
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is refused
    const holedList = ['sub', , 'scope'];
    expectConfigError(() => upstreamHeaders({ claims: holedList as never }), 'upstreamHeaders.claims[1]');
    // biome-ignore lint/suspicious/noSparseArray: the hole is what is refused
    const holed = ['address', , 'country'];
    expectConfigError(
      () => upstreamHeaders({ claims: { 'X-Country': holed as never } }),
      'upstreamHeaders.claims["X-Country"]',
    );
  });

  it('forwards what sound paths name, names and arrays of names alike', () => {
    const forwarded = upstreamHeaders({
      claims: { 'X-User': 'sub', 'X-Country': ['address', 'country'], 'X-Country-Dotted': 'address.country' },
      introspectionJwtHeader: 'X-Token-Jwt',
    });
    expect(forwarded.rewrite({ 'x-user': 'forged' }, context(claims))).toEqual({
      'x-user': 'alice',
      'x-country': 'NZ',
      'x-country-dotted': 'NZ',
    });
  });
});

describe('forwarding the RFC 9701 introspection answer', () => {
  const server = useAuthorizationServer();

  it('forwards the signed answer the authorization server sent, when asked for one', async () => {
    const as = server();
    const token = await as.issueToken({ scope: 'read' });
    const { resolver } = introspectAt(as, {
      jwtResponse: { keys: remoteJwks({ url: as.jwksUri }), audience: as.basicClient.clientId },
    });
    const accepted = expectAccepted(await resourceServerWith(resolver).authenticate(bearerRequest(token)));
    const headers = upstreamHeaders({
      claims: ['client_id'],
      introspectionJwtHeader: 'X-Token-Jwt',
    }).forContext(accepted);
    expect(headers['x-token-client-id']).toBe(as.appClient.clientId);
    const [header, payload] = headers['x-token-jwt']!.split('.').map(
      (part) => part && Buffer.from(part, 'base64url').toString(),
    );
    expect(JSON.parse(header!)).toMatchObject({ typ: 'token-introspection+jwt', alg: 'ES256' });
    expect(JSON.parse(payload!)).toMatchObject({ iss: as.issuer, token_introspection: { active: true } });

    const { resolver: plain } = introspectAt(as);
    const json = expectAccepted(await resourceServerWith(plain).authenticate(bearerRequest(token)));
    expect(
      upstreamHeaders({ claims: ['sub'], introspectionJwtHeader: 'X-Token-Jwt' }).forContext(json),
    ).not.toHaveProperty('x-token-jwt');
  });
});
