import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { CompactSign } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  sharedSecret,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import {
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectFailure,
  expectRejected,
  expectSuccess,
  ISSUER,
  invalidTokenChallenge,
  mint,
  NOW_MS,
  randomBytes,
  resolveAt,
} from '../helpers.js';
import { accessClaims, encrypt } from '../jwe-setup.js';

// A refresh token or an ID token signed (or encrypted) with the key of the access tokens is no access
// token, whatever the resolver's profile: the JWT path refuses what the introspection path refuses
// (test/introspection/token-type.test.ts), with the same code.
let key: TestSigningKey;
let hmac: Uint8Array;
let aes: Uint8Array;
let plain: AccessTokenResolver;
let rfc9068: AccessTokenResolver;
let accessManagement: AccessTokenResolver;
let remembering: AccessTokenResolver;
let encrypted: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  hmac = randomBytes(32);
  aes = randomBytes(32);
  const keys = staticJwks(jwksOf(key));
  plain = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys });
  rfc9068 = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys, profile: 'rfc9068' });
  accessManagement = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: sharedSecret(hmac),
    profile: 'access-management',
  });
  remembering = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys, verifiedTokenCache: {} });
  encrypted = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, decryption: staticDecryptionKeys([aes]) });
});

/** Signs like Access Management: header `{typ, zip: "NONE", alg}`, no `kid`. */
function amSigned(claims: Record<string, unknown>): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ typ: 'JWT', zip: 'NONE', alg: 'HS256' })
    .sign(hmac);
}

/** What is not an access token, and the claim that says so. */
const NOT_ACCESS_TOKENS: readonly (readonly [string, Record<string, unknown>, string])[] = [
  ['token_type refresh_token', { token_type: 'refresh_token' }, 'token_type'],
  [
    'token_type RFC 8693 refresh token',
    { token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
    'token_type',
  ],
  ['token_type id_token', { token_type: 'id_token' }, 'token_type'],
  ['token_type N_A', { token_type: 'N_A' }, 'token_type'],
  ['Keycloak refresh token', { typ: 'Refresh' }, 'typ'],
  ['Keycloak offline token', { typ: 'Offline' }, 'typ'],
  ['Keycloak ID token', { typ: 'ID', azp: 'app', nonce: 'n-1' }, 'typ'],
  ['Keycloak logout token', { typ: 'Logout' }, 'typ'],
  ['Keycloak typ in capitals', { typ: 'REFRESH' }, 'typ'],
  ['typ as a list', { typ: ['Refresh'] }, 'typ'],
  ['typ as a number', { typ: 1 }, 'typ'],
  ['typ as null', { typ: null }, 'typ'],
  ['AM refresh token', { tokenName: 'refresh_token', token_type: 'Bearer' }, 'tokenName'],
  ['AM id token', { tokenName: 'id_token' }, 'tokenName'],
  ['tokenName in another case', { tokenName: 'ACCESS_TOKEN' }, 'tokenName'],
  ['tokenName that is no string', { tokenName: 1 }, 'tokenName'],
  ['Cognito ID token', { token_use: 'id', 'cognito:username': 'alice' }, 'token_use'],
  ['token_use in another case', { token_use: 'ACCESS' }, 'token_use'],
];

describe('the JWT resolver refuses a token that says it is no access token, whatever the profile', () => {
  it.each(NOT_ACCESS_TOKENS)('%s: token_type_invalid, signed', async (_name, claims, claim) => {
    const description = `The JWT is not an access token ("${claim}")`;
    for (const resolver of [plain, rfc9068]) {
      const failure = expectFailure(await resolveAt(resolver, await mint(key, claims)), 'token_type_invalid');
      expect(failure.description).toBe(description);
    }
    const failure = expectFailure(
      await resolveAt(
        accessManagement,
        await amSigned(accessClaims({ tokenName: 'access_token', ...claims })),
      ),
      'token_type_invalid',
    );
    expect(failure.description).toBe(description);
  });

  it.each(NOT_ACCESS_TOKENS)('%s: token_type_invalid, encrypted', async (_name, claims, claim) => {
    for (const enc of ['A128CBC-HS256', 'A256GCM']) {
      const token = await encrypt(accessClaims(claims), { alg: 'dir', enc }, aes);
      const failure = expectFailure(await resolveAt(encrypted, token), 'token_type_invalid');
      expect(failure.description).toBe(`The JWT is not an access token ("${claim}")`);
    }
  });

  it.each(NOT_ACCESS_TOKENS)(
    '%s: token_type_invalid with a verified-token cache, every time',
    async (_name, claims) => {
      const token = await mint(key, claims);
      for (let i = 0; i < 2; i++) expectFailure(await resolveAt(remembering, token), 'token_type_invalid');
    },
  );

  it('answers 401 invalid_token with a challenge saying why, through the pipeline', async () => {
    const rs = createResourceServer({ resolver: plain, clock: () => NOW_MS });
    for (const [claims, claim] of [
      [{ tokenName: 'refresh_token' }, 'tokenName'],
      [{ typ: 'ID' }, 'typ'],
      [{ token_type: 'refresh_token' }, 'token_type'],
    ] as const) {
      const rejection = expectRejected(
        await rs.authenticate(bearerRequest(await mint(key, claims))),
        'token_type_invalid',
        401,
      );
      expect(rejection.wwwAuthenticate).toBe(
        invalidTokenChallenge(`The JWT is not an access token (${claim})`),
      );
    }
  });
});

describe('a JWT typed as another kind of token (RFC 8725 §3.11) is refused, whatever the profile', () => {
  it.each([
    'logout+jwt',
    'application/logout+jwt',
    'secevent+jwt',
    'token-introspection+jwt',
    'dpop+jwt',
    'Logout+JWT',
    'logout+jwt ',
    'logout+jwt;charset=x',
    'secevent+jwt; v=1',
  ])('typ %s', async (typ) => {
    for (const resolver of [plain, remembering]) {
      const failure = expectFailure(
        await resolveAt(resolver, await mint(key, {}, { typ })),
        'token_type_invalid',
      );
      expect(failure.description).toBe('The JWT "typ" header names another kind of token');
    }
    expectFailure(await resolveAt(rfc9068, await mint(key, {}, { typ })), 'token_type_invalid');
    const token = await new CompactSign(
      new TextEncoder().encode(JSON.stringify(accessClaims({ tokenName: 'access_token' }))),
    )
      .setProtectedHeader({ typ, alg: 'HS256' })
      .sign(hmac);
    expectFailure(await resolveAt(accessManagement, token), 'token_type_invalid');
  });

  it('passes a token without typ, typed JWT, or typed as an access token', async () => {
    for (const header of [
      { typ: undefined },
      { typ: 'JWT' },
      { typ: 'jwt' },
      { typ: 'at+jwt' },
      { typ: 'application/at+JWT' },
    ])
      expectSuccess(await resolveAt(plain, await mint(key, {}, header)));
  });
});

describe('access tokens still pass', () => {
  it('an Amazon Cognito access token (token_use "access", no aud)', async () => {
    const cognito = {
      token_use: 'access',
      aud: undefined,
      client_id: 'app-client',
      scope: 'aws.cognito.signin.user.admin',
      username: 'alice',
      'cognito:groups': ['admins'],
    };
    const anyAudience = jwtResolver({
      issuer: ISSUER,
      acceptAnyAudience: true,
      keys: staticJwks(jwksOf(key)),
    });
    expectSuccess(await resolveAt(anyAudience, await mint(key, cognito, { typ: undefined })));
  });

  it('an RFC 9068 token, with the profile and without', async () => {
    for (const resolver of [plain, rfc9068, remembering]) {
      expectSuccess(await resolveAt(resolver, await mint(key)));
    }
  });

  it('a plain JWT with none of the claims that name a kind of token', async () => {
    const token = await mint(key, { client_id: undefined, jti: undefined }, { typ: 'JWT' });
    expectSuccess(await resolveAt(plain, token));
    expectSuccess(
      await resolveAt(encrypted, await encrypt(accessClaims(), { alg: 'dir', enc: 'A256GCM' }, aes)),
    );
  });

  it('a Keycloak access token (typ claim "Bearer", any case)', async () => {
    for (const typ of ['Bearer', 'bearer']) {
      const claims = {
        typ,
        azp: 'app',
        client_id: undefined,
        session_state: 's-1',
        realm_access: { roles: ['offline_access'] },
        scope: 'openid email profile',
        preferred_username: 'alice',
      };
      const info = expectSuccess(await resolveAt(plain, await mint(key, claims, { typ: 'JWT' })));
      expect(info.clientId).toBe('app');
    }
  });

  it.each(['Bearer', 'bearer', 'DPoP', 'access_token', 'urn:ietf:params:oauth:token-type:access_token'])(
    'a token_type of %s',
    async (tokenType) => {
      expectSuccess(await resolveAt(plain, await mint(key, { token_type: tokenType })));
    },
  );

  it('an Access Management access token, with the profile and without, signed and encrypted', async () => {
    const am = accessClaims({
      sub: '(usr!demo)',
      client_id: undefined,
      cts: 'OAUTH2_STATELESS_GRANT',
      tokenName: 'access_token',
      token_type: 'Bearer',
      scope: ['write', 'read'],
      realm: '/',
    });
    const token = await amSigned(am);
    expectSuccess(await resolveAt(accessManagement, token));
    const amNoProfile = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: sharedSecret(hmac) });
    expectSuccess(await resolveAt(amNoProfile, token));
    expectSuccess(await resolveAt(encrypted, await encrypt(am, { alg: 'dir', enc: 'A128CBC-HS256' }, aes)));
    const rs = createResourceServer({
      resolver: accessManagement,
      clock: () => NOW_MS,
      policy: { scopes: ['read'] },
    });
    expect(expectAccepted(await rs.authenticate(bearerRequest(token))).subject).toBe('(usr!demo)');
  });
});
