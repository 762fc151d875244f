import { createHash } from 'node:crypto';
import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessPolicy,
  claimCheck,
  claimEquals,
  claimIncludes,
  createResourceServer,
  type JwtResolverOptions,
  jwtResolver,
  staticJwks,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected, NOW_MS, NOW_S } from '../helpers.js';

// Access and ID tokens shaped as Keycloak, Auth0, Microsoft Entra ID, Amazon Cognito and Google write them
// (their documented claim sets), signed with a real key: what `audience`, the token-kind claims, a scope
// policy and `profile` make of each, as the README's jwtResolver section says.
let key: TestSigningKey;
beforeAll(async () => {
  key = await generateSigningKey('RS256', 'vendor-1');
});

function sign(claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, ...header })
    .sign(key.privateKey);
}

function serverFor(
  options: Omit<JwtResolverOptions, 'keys'>,
  policy?: AccessPolicy,
): ReturnType<typeof createResourceServer> {
  return createResourceServer({
    resolver: jwtResolver({ ...options, keys: staticJwks(jwksOf(key)) } as JwtResolverOptions),
    clock: () => NOW_MS,
    ...(policy === undefined ? {} : { policy }),
  });
}

const times = { iat: NOW_S - 10, exp: NOW_S + 3600 };

describe('Keycloak', () => {
  const iss = 'https://kc.example.com/realms/demo';
  const common = {
    ...times,
    auth_time: NOW_S - 30,
    jti: 'onrtac:6b3d',
    iss,
    sub: '2b6f6c4e-3c50-4b4c-8b3f-8a6f3b0d5e11',
    azp: 'web-app',
    sid: 'e1f1',
    acr: '1',
  };

  it('reads roles, acr and azp from an access token; refuses its ID, refresh and logout tokens', async () => {
    const access = await sign(
      {
        ...common,
        aud: ['orders.api', 'account'],
        typ: 'Bearer',
        scope: 'openid orders:read',
        realm_access: { roles: ['offline_access', 'reader'] },
        resource_access: { 'orders.api': { roles: ['editor'] } },
      },
      { typ: 'JWT' },
    );
    const rs = serverFor({ issuer: iss, audience: 'orders.api' });
    const context = expectAccepted(
      await rs.authenticate(bearerRequest(access), {
        scopes: ['orders:read'],
        acrValues: ['1'],
        maxAge: 60,
        // A client ID holding dots is reached with the path written as segments.
        claims: [
          claimIncludes(['resource_access', 'orders.api', 'roles'], 'editor'),
          claimIncludes('realm_access.roles', 'reader'),
        ],
      }),
    );
    expect(context.clientId).toBe('web-app');
    expect(context.audience).toEqual(['orders.api', 'account']);
    expectRejected(
      await rs.authenticate(bearerRequest(access), { acrValues: ['2'] }),
      'insufficient_user_authentication',
    );

    // With every audience accepted, only the `typ` claim tells these from an access token.
    const any = serverFor({ issuer: iss, acceptAnyAudience: true });
    const id = await sign({ ...common, aud: 'orders.api', typ: 'ID', nonce: 'n-0S6' }, { typ: 'JWT' });
    const refresh = await sign({ ...common, aud: iss, typ: 'Refresh', scope: 'openid' }, { typ: 'JWT' });
    const logout = await sign(
      {
        ...common,
        aud: 'orders.api',
        typ: 'Logout',
        events: { 'http://schemas.openid.net/event/backchannel-logout': {} },
      },
      { typ: 'logout+jwt' },
    );
    for (const token of [id, refresh, logout])
      expectRejected(await any.authenticate(bearerRequest(token)), 'token_type_invalid');
  });
});

describe('ID tokens that say nothing of their kind', () => {
  const google = 'https://accounts.google.com';
  const googleClient = '1234567890-abc.apps.googleusercontent.com';
  const googleIdToken = () =>
    sign(
      {
        ...times,
        iss: google,
        azp: googleClient,
        aud: googleClient,
        sub: '110169484474386276334',
        email: 'alice@example.com',
        email_verified: true,
        at_hash: 'HK6E_P6Dh8Y93mRNtsDB1Q',
      },
      { typ: 'JWT' },
    );

  it('are refused by an audience naming the API (Okta, Auth0, Entra ID v2)', async () => {
    const cases = [
      {
        issuer: 'https://dev-1234.okta.com/oauth2/default',
        audience: 'api://default',
        claims: { ver: 1, aud: '0oa1b2c3d4e5f6g7h8i9', amr: ['pwd'], idp: '00o1', nonce: 'n', at_hash: 'x' },
      },
      {
        issuer: 'https://tenant.eu.auth0.com/',
        audience: 'https://api.example.com',
        claims: { aud: 'Xa1b2c3', nickname: 'alice', sid: 's' },
      },
      {
        issuer: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
        audience: 'api://orders',
        claims: { ver: '2.0', aud: '6e74172b-be56-4843-9ff4-e66a39bb12e3', oid: 'o', tid: 't', nonce: 'n' },
      },
    ];
    for (const { issuer, audience, claims } of cases) {
      const id = await sign({ ...times, iss: issuer, sub: 'alice', ...claims }, { typ: 'JWT' });
      expectRejected(
        await serverFor({ issuer, audience }).authenticate(bearerRequest(id)),
        'audience_mismatch',
      );
    }
  });

  it('Google: its JWTs are ID tokens only; a scope policy or profile rfc9068 refuses them', async () => {
    const token = await googleIdToken();
    // An audience that is a client's ID takes its ID tokens: the README warns of it.
    expectAccepted(
      await serverFor({ issuer: google, audience: googleClient }).authenticate(bearerRequest(token)),
    );
    expectRejected(
      await serverFor({ issuer: google, audience: googleClient }, { scopes: ['orders:read'] }).authenticate(
        bearerRequest(token),
      ),
      'insufficient_scope',
    );
    expectRejected(
      await serverFor({ issuer: google, audience: googleClient, profile: 'rfc9068' }).authenticate(
        bearerRequest(token),
      ),
      'token_type_invalid',
    );
  });
});

describe('Auth0 and Microsoft Entra ID access tokens', () => {
  it('Auth0: aud with the userinfo URL, azp as the client, scope and permissions both readable', async () => {
    const iss = 'https://tenant.eu.auth0.com/';
    const token = await sign(
      {
        ...times,
        iss,
        sub: 'auth0|5f7c8ec7c33c6c004bbafe82',
        aud: ['https://api.example.com', 'https://tenant.eu.auth0.com/userinfo'],
        azp: 'Xa1b2c3',
        scope: 'openid profile read:orders',
        permissions: ['read:orders'],
      },
      { typ: 'JWT' },
    );
    const context = expectAccepted(
      await serverFor({ issuer: iss, audience: 'https://api.example.com' }).authenticate(
        bearerRequest(token),
        {
          scopes: ['read:orders'],
          claims: [claimIncludes('permissions', 'read:orders')],
        },
      ),
    );
    expect(context.clientId).toBe('Xa1b2c3');
  });

  it('Entra ID v2: azp as the client; an app-only token has roles, no scp, and fails a scope policy', async () => {
    const iss = 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0';
    const appOnly = await sign(
      {
        ...times,
        nbf: NOW_S - 10,
        aud: '6e74172b-be56-4843-9ff4-e66a39bb12e3',
        iss,
        azp: 'a5f2b1c0-0000-4000-8000-000000000001',
        azpacr: '1',
        idtyp: 'app',
        oid: 'f0c3',
        roles: ['Orders.ReadWrite.All'],
        sub: 'f0c3',
        tid: '72f988bf-86f1-41af-91ab-2d7cd011db47',
        ver: '2.0',
      },
      { typ: 'JWT', x5t: 'nOo3ZDrODXEK1jKWhXslHR_KXEg' },
    );
    const rs = serverFor({ issuer: iss, audience: '6e74172b-be56-4843-9ff4-e66a39bb12e3' });
    const context = expectAccepted(
      await rs.authenticate(bearerRequest(appOnly), {
        claims: [claimIncludes('roles', 'Orders.ReadWrite.All')],
      }),
    );
    expect(context.clientId).toBe('a5f2b1c0-0000-4000-8000-000000000001');
    expect(context.scopes.size).toBe(0);
    expectRejected(
      await rs.authenticate(bearerRequest(appOnly), { scopes: ['Orders.Read'] }),
      'insufficient_scope',
    );
  });
});

describe('Microsoft Graph tokens', () => {
  it('are refused signature_invalid: Entra ID signs them over a hash of the header nonce they carry', async () => {
    const iss = 'https://sts.windows.net/72f988bf-86f1-41af-91ab-2d7cd011db47/';
    const nonce = 'AQABAAAAAAD--DLA3VO7QrddgJg7WevrN3hbOgNZmG1ffbh2WEwI';
    const hashed = createHash('sha256').update(nonce).digest('base64url');
    const signed = await sign(
      {
        ...times,
        aud: 'api://orders',
        iss,
        ver: '1.0',
        appid: 'de8bc8b5-d9f9-48b1-a8ad-b748da725064',
        scp: 'User.Read',
      },
      { typ: 'JWT', nonce: hashed, x5t: 'nOo3ZDrODXEK1jKWhXslHR_KXEg' },
    );
    // As Graph receives it: the header names the nonce itself, the signature covers its hash.
    const [header, payload, signature] = signed.split('.') as [string, string, string];
    const presented = { ...JSON.parse(Buffer.from(header, 'base64url').toString()), nonce };
    const graph = `${Buffer.from(JSON.stringify(presented)).toString('base64url')}.${payload}.${signature}`;
    const rs = serverFor({ issuer: iss, audience: 'api://orders' });
    expectRejected(await rs.authenticate(bearerRequest(graph)), 'signature_invalid');
    expectAccepted(await rs.authenticate(bearerRequest(signed)));
  });
});

describe('Amazon Cognito', () => {
  const iss = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
  const accessToken = (clientId: string) =>
    sign({
      ...times,
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      'cognito:groups': ['admin'],
      iss,
      version: 2,
      client_id: clientId,
      origin_jti: 'o',
      event_id: 'e',
      token_use: 'access',
      scope: 'orders-api/read aws.cognito.signin.user.admin',
      auth_time: NOW_S - 30,
      jti: 'j',
      username: 'alice',
    });

  it('access tokens without aud: accepted with acceptAnyAudience, narrowed by client or scope in the policy', async () => {
    // An audience refuses every access token: Cognito writes `aud` in its ID tokens only.
    expectRejected(
      await serverFor({ issuer: iss, audience: '3n4b5urk1ft4fl3mg5e62d9ado' }).authenticate(
        bearerRequest(await accessToken('3n4b5urk1ft4fl3mg5e62d9ado')),
      ),
      'audience_mismatch',
    );
    const byClient = serverFor(
      { issuer: iss, acceptAnyAudience: true },
      { claims: [claimEquals('client_id', '3n4b5urk1ft4fl3mg5e62d9ado')] },
    );
    const context = expectAccepted(
      await byClient.authenticate(bearerRequest(await accessToken('3n4b5urk1ft4fl3mg5e62d9ado')), {
        scopes: ['orders-api/read'],
        claims: [claimCheck('cognito:groups', (groups) => Array.isArray(groups) && groups.includes('admin'))],
      }),
    );
    expect(context.clientId).toBe('3n4b5urk1ft4fl3mg5e62d9ado');
    expectRejected(
      await byClient.authenticate(bearerRequest(await accessToken('another-app-client'))),
      'claim_check_failed',
    );
  });

  it('ID tokens are refused by token_use, whatever the audience option', async () => {
    const id = await sign({
      ...times,
      sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
      aud: '3n4b5urk1ft4fl3mg5e62d9ado',
      iss,
      token_use: 'id',
      auth_time: NOW_S - 30,
      'cognito:username': 'alice',
      email: 'alice@example.com',
    });
    for (const options of [{ acceptAnyAudience: true }, { audience: '3n4b5urk1ft4fl3mg5e62d9ado' }])
      expectRejected(
        await serverFor({ issuer: iss, ...options }).authenticate(bearerRequest(id)),
        'token_type_invalid',
      );
  });
});
