import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { CompactSign, calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  type FailureCode,
  type JwtResolverOptions,
  jwtResolver,
  staticDecryptionKeys,
  staticJwks,
} from '../../src/index.js';
import { NOW_S, randomBytes, resolveAt } from '../helpers.js';
import { encrypt } from '../jwe-setup.js';

// Cross-JWT confusion (RFC 8725 §2.8, §3.11): the JWTs an authorization server signs with the key of
// its access tokens for other purposes, presented to `jwtResolver` as the access token. Each is signed
// with the very key the resolver trusts, so only the resolver's reading of the token's kind stands
// between it and acceptance. Each row says what the resolver must answer under the settings users
// commonly choose; a row answered `accepted` where it is no access token is a limitation the README
// documents (an `audience` naming a client, `acceptAnyAudience`), said in its `because`.

const ISSUER = 'https://as.example.com';
const API = 'https://api.example.com';
const CLIENT_ID = 's6BhdRkqt3';
const TOKEN_ENDPOINT = 'https://as.example.com/token';
const LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';

/** The settings a resolver is built with: the key is added. */
const SETTINGS = {
  /** The recommended setting: an audience naming the API. */
  api: { issuer: ISSUER, audience: API },
  /** A common mistake the README warns of: the audience is a client's ID (its ID tokens are accepted). */
  client: { issuer: ISSUER, audience: CLIENT_ID },
  /** For an authorization server that issues tokens to this one API (Amazon Cognito). */
  any: { issuer: ISSUER, acceptAnyAudience: true },
  rfc9068: { issuer: ISSUER, audience: API, profile: 'rfc9068' },
  accessManagement: { issuer: ISSUER, acceptAnyAudience: true, profile: 'access-management' },
} satisfies Record<string, Omit<JwtResolverOptions, 'keys'>>;
type Setting = keyof typeof SETTINGS;

/** What the resolver must answer: `accepted`, or the refusal's code. */
type Answer = 'accepted' | FailureCode;

interface Row {
  readonly name: string;
  readonly header: Record<string, unknown>;
  readonly claims: Record<string, unknown>;
  /** The answer under each setting; a setting left out answers `otherwise`. */
  readonly must: Partial<Record<Setting, Answer>>;
  readonly otherwise: Answer;
  /** Why an `accepted` answer is right, or a limitation documented rather than fixed. */
  readonly because?: string;
}

const times = { iat: NOW_S - 10, exp: NOW_S + 300 };
const issued = { iss: ISSUER, ...times };
const idToken = {
  ...issued,
  sub: '248289761001',
  aud: CLIENT_ID,
  azp: CLIENT_ID,
  nonce: 'n-0S6_WzA2Mj',
  at_hash: '77QmUPtjPfzWtF2AnpK9RQ',
  auth_time: NOW_S - 60,
};
const logoutToken = {
  ...issued,
  aud: CLIENT_ID,
  jti: 'bWJq',
  sid: '08a5019c-17e1-4977-8f42-65a12843ea02',
  sub: '248289761001',
  events: { [LOGOUT_EVENT]: {} },
};
const securityEvent = {
  ...issued,
  aud: API,
  jti: '756E69717565206964656E746966696572',
  events: {
    'https://schemas.openid.net/secevent/caep/event-type/session-revoked': {
      subject: { format: 'opaque', id: 'dMTlD|1600802906337.16|16008.16' },
      event_timestamp: NOW_S - 20,
    },
  },
};
const accessToken = {
  ...issued,
  aud: API,
  sub: '248289761001',
  client_id: CLIENT_ID,
  jti: 'at-1',
  scope: 'orders:read',
};

// ID tokens: an audience naming the API refuses them (their `aud` is the client's ID), and so does the
// RFC 9068 profile (`typ`). An audience naming a client accepts them, as the README says: Google documents
// sending its ID tokens to an application's own backend, checked against the client's ID, so nothing in
// an ID token that says `JWT` or nothing in its header refuses it there.
const ID_TOKEN_ROWS: Row[] = [
  {
    name: 'OpenID ID token, typ JWT, aud = client ID, nonce, at_hash, azp',
    header: { typ: 'JWT' },
    claims: idToken,
    must: {
      client: 'accepted',
      any: 'accepted',
      api: 'audience_mismatch',
      accessManagement: 'claim_missing',
    },
    otherwise: 'token_type_invalid',
    because: 'documented: an audience naming a client, or any audience, takes its ID tokens',
  },
  {
    name: 'OpenID ID token without typ',
    header: {},
    claims: idToken,
    must: {
      client: 'accepted',
      any: 'accepted',
      api: 'audience_mismatch',
      accessManagement: 'claim_missing',
    },
    otherwise: 'token_type_invalid',
    because: 'documented: an audience naming a client, or any audience, takes its ID tokens',
  },
  {
    name: 'OpenID ID token whose aud also lists the API',
    header: { typ: 'JWT' },
    claims: { ...idToken, aud: [CLIENT_ID, API] },
    must: { client: 'accepted', any: 'accepted', api: 'accepted', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
    because: 'an ID token naming the API as an audience is one the server meant for it (OIDC Core §2)',
  },
  {
    name: 'Keycloak ID token (typ claim "ID")',
    header: { typ: 'JWT' },
    claims: { ...idToken, typ: 'ID' },
    must: { api: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'Amazon Cognito ID token (token_use "id")',
    header: {},
    claims: { ...idToken, token_use: 'id', nonce: undefined, at_hash: undefined },
    must: { api: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
];

// Logout tokens and other SETs: RFC 8417 §2.2 makes `events` a JSON object naming the events, and its
// security considerations have access-token validation look for that claim; OpenID Back-Channel Logout §2.4
// makes the `logout+jwt` header only RECOMMENDED, so a logout token typed `JWT` or not at all is real.
const SECURITY_EVENT_ROWS: Row[] = [
  {
    name: 'logout token, typ logout+jwt',
    header: { typ: 'logout+jwt' },
    claims: logoutToken,
    must: {},
    otherwise: 'token_type_invalid',
  },
  {
    name: 'logout token, typ JWT',
    header: { typ: 'JWT' },
    claims: logoutToken,
    must: { api: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'logout token without typ',
    header: {},
    claims: logoutToken,
    must: { api: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'logout token for a client whose ID is the API identifier, without typ',
    header: {},
    claims: { ...logoutToken, aud: API },
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'Keycloak logout token (typ claim "Logout")',
    header: { typ: 'logout+jwt' },
    claims: { ...logoutToken, typ: 'Logout' },
    must: {},
    otherwise: 'token_type_invalid',
  },
  {
    name: 'SET, typ secevent+jwt',
    header: { typ: 'secevent+jwt' },
    claims: securityEvent,
    must: {},
    otherwise: 'token_type_invalid',
  },
  {
    name: 'SET (CAEP session revoked) with exp, without typ',
    header: {},
    claims: securityEvent,
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'SET without exp (RFC 8417 §2.2 leaves it out), without typ',
    header: {},
    claims: { ...securityEvent, exp: undefined },
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
];

const PROTOCOL_ROWS: Row[] = [
  {
    name: 'DPoP proof (typ dpop+jwt, htm, htu, no iss) signed with the trusted key',
    header: { typ: 'dpop+jwt' },
    claims: { jti: 'e1j3V_bKic8-LAEB', htm: 'GET', htu: `${API}/orders`, iat: NOW_S },
    must: {},
    otherwise: 'token_type_invalid',
  },
  {
    name: 'RFC 9701 introspection response (typ token-introspection+jwt)',
    header: { typ: 'token-introspection+jwt' },
    claims: {
      iss: ISSUER,
      aud: API,
      iat: NOW_S - 1,
      token_introspection: { active: true, sub: '248289761001', client_id: CLIENT_ID, scope: 'orders:read' },
    },
    must: {},
    otherwise: 'token_type_invalid',
  },
  {
    name: 'RFC 9701 introspection response (typ application/token-introspection+jwt)',
    header: { typ: 'application/token-introspection+jwt' },
    claims: { iss: ISSUER, aud: API, iat: NOW_S - 1, token_introspection: { active: true } },
    must: {},
    otherwise: 'token_type_invalid',
  },
  {
    name: 'RFC 7523 client assertion (iss = sub = client ID, aud = token endpoint)',
    header: { typ: 'JWT' },
    claims: { iss: CLIENT_ID, sub: CLIENT_ID, aud: TOKEN_ENDPOINT, jti: 'ca-1', ...times },
    must: { rfc9068: 'token_type_invalid', accessManagement: 'claim_missing' },
    otherwise: 'issuer_mismatch',
  },
  {
    name: 'RFC 7523 JWT bearer grant the authorization server signed (aud = token endpoint)',
    header: { typ: 'JWT' },
    claims: { ...issued, sub: '248289761001', aud: TOKEN_ENDPOINT, jti: 'grant-1' },
    must: { any: 'accepted', rfc9068: 'token_type_invalid', accessManagement: 'claim_missing' },
    otherwise: 'audience_mismatch',
    because: 'documented: acceptAnyAudience is for a server that issues tokens to this one API',
  },
  {
    name: 'RFC 9101 request object (typ oauth-authz-req+jwt) signed by the client',
    header: { typ: 'oauth-authz-req+jwt' },
    claims: {
      iss: CLIENT_ID,
      aud: ISSUER,
      client_id: CLIENT_ID,
      response_type: 'code',
      redirect_uri: 'https://client.example.org/cb',
      scope: 'openid',
      ...times,
    },
    must: {},
    otherwise: 'token_type_invalid',
  },
  {
    name: 'RFC 9101 request object without typ (the client as iss)',
    header: {},
    claims: { iss: CLIENT_ID, aud: ISSUER, client_id: CLIENT_ID, response_type: 'code', ...times },
    must: { rfc9068: 'token_type_invalid', accessManagement: 'claim_missing' },
    otherwise: 'issuer_mismatch',
  },
  {
    name: 'JARM authorization response (aud = client ID, code, state)',
    header: { typ: 'JWT' },
    claims: {
      ...issued,
      aud: CLIENT_ID,
      code: 'PyyFaux2o7Q0YfXBU32jhw.5FXSQpvr8akv9CeRDSd0QA',
      state: 'S8NJ7uqk5',
    },
    must: {
      client: 'accepted',
      any: 'accepted',
      api: 'audience_mismatch',
      accessManagement: 'claim_missing',
    },
    otherwise: 'token_type_invalid',
    because: 'documented: an audience naming a client, or any audience, takes what is signed for the client',
  },
  {
    name: 'signed userinfo response (aud = client ID, no exp)',
    header: { typ: 'JWT' },
    claims: { iss: ISSUER, aud: CLIENT_ID, sub: '248289761001', email: 'janedoe@example.com' },
    must: { api: 'audience_mismatch', rfc9068: 'token_type_invalid' },
    otherwise: 'claim_missing',
  },
];

// SD-JWT (RFC 9901) and SD-JWT VC credentials, which an authorization server that also issues credentials
// (OpenID for Verifiable Credential Issuance) signs with its keys: the issuer-signed JWT, without its
// disclosures, typed with the `+sd-jwt` structured syntax suffix rather than `+jwt`.
const CREDENTIAL_ROWS: Row[] = [
  ...['dc+sd-jwt', 'vc+sd-jwt', 'application/example+sd-jwt'].map(
    (typ): Row => ({
      name: `SD-JWT credential, typ ${typ}, no aud`,
      header: { typ },
      claims: {
        ...issued,
        vct: 'https://credentials.example.com/identity_credential',
        _sd: ['CrQe7S5kqBAHt-nMYXgc6bdt2SH5aTY1sU_M-PgkjPI'],
        _sd_alg: 'sha-256',
      },
      must: {},
      otherwise: 'token_type_invalid',
    }),
  ),
];

const REFRESH_TOKEN_ROWS: Row[] = [
  {
    name: 'refresh token with token_type refresh_token',
    header: { typ: 'JWT' },
    claims: { ...accessToken, token_type: 'refresh_token' },
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'Keycloak refresh token (typ claim "Refresh", aud = issuer)',
    header: { typ: 'JWT' },
    claims: { ...accessToken, aud: ISSUER, typ: 'Refresh' },
    must: { api: 'audience_mismatch', client: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'Keycloak offline token (typ claim "Offline")',
    header: { typ: 'JWT' },
    claims: { ...accessToken, typ: 'Offline' },
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'Access Management refresh token (tokenName refresh_token)',
    header: { typ: 'JWT', zip: 'NONE' },
    claims: { ...accessToken, tokenName: 'refresh_token', token_type: 'Bearer' },
    must: { client: 'audience_mismatch' },
    otherwise: 'token_type_invalid',
  },
  {
    name: 'a JWT typed as a refresh token in its header (refresh+jwt)',
    header: { typ: 'refresh+jwt' },
    claims: accessToken,
    must: {},
    otherwise: 'token_type_invalid',
  },
];

// Access tokens, which must still pass: RFC 9068 typed in each spelling RFC 7515 §4.1.9 allows, and
// tokens typed `JWT` or not at all (Access Management, Auth0, Okta, Entra ID, Keycloak).
const ACCESS_TOKEN_ROWS: Row[] = [
  ...['at+jwt', 'application/at+jwt', 'AT+JWT', 'Application/AT+JWT'].map(
    (typ): Row => ({
      name: `access token, typ ${typ}`,
      header: { typ },
      claims: accessToken,
      must: { client: 'audience_mismatch', accessManagement: 'claim_missing' },
      otherwise: 'accepted',
    }),
  ),
  ...['at+jwt; v=1', ' at+jwt ', 'application/at+jwt;charset=utf-8'].map(
    (typ): Row => ({
      name: `access token, typ "${typ}" (parameters, spaces)`,
      header: { typ },
      claims: accessToken,
      must: { client: 'audience_mismatch', accessManagement: 'claim_missing', rfc9068: 'token_type_invalid' },
      otherwise: 'accepted',
      because:
        'profile rfc9068 accepts the spellings RFC 9068 §2.1 names only; without it the type is read as a media type',
    }),
  ),
  {
    name: 'access token, typ JWT',
    header: { typ: 'JWT' },
    claims: accessToken,
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing', rfc9068: 'token_type_invalid' },
    otherwise: 'accepted',
  },
  {
    // Keycloak copied the authentication request's nonce into its access tokens until 2024
    // (keycloak/keycloak#26893): `nonce` alone cannot tell an ID token from an access token.
    name: 'Keycloak access token without typ, with a nonce claim',
    header: {},
    claims: { ...accessToken, nonce: 'n-0S6_WzA2Mj', azp: CLIENT_ID, typ: 'Bearer' },
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing', rfc9068: 'token_type_invalid' },
    otherwise: 'accepted',
  },
  {
    name: 'Access Management access token (typ JWT, zip NONE, tokenName access_token)',
    header: { typ: 'JWT', zip: 'NONE' },
    claims: { ...accessToken, tokenName: 'access_token', token_type: 'Bearer', scope: ['orders:read'] },
    must: { client: 'audience_mismatch', rfc9068: 'token_type_invalid' },
    otherwise: 'accepted',
  },
  {
    name: 'access token with a custom "events" claim that is no SET events object',
    header: { typ: 'JWT' },
    claims: { ...accessToken, events: ['concert-2026'] },
    must: { client: 'audience_mismatch', accessManagement: 'claim_missing', rfc9068: 'token_type_invalid' },
    otherwise: 'accepted',
  },
];

const ROWS: Row[] = [
  ...ID_TOKEN_ROWS,
  ...SECURITY_EVENT_ROWS,
  ...PROTOCOL_ROWS,
  ...CREDENTIAL_ROWS,
  ...REFRESH_TOKEN_ROWS,
  ...ACCESS_TOKEN_ROWS,
];

let key: TestSigningKey;
const resolvers = {} as Record<Setting, AccessTokenResolver>;
beforeAll(async () => {
  key = await generateSigningKey('ES256', 'as-1');
  for (const setting of Object.keys(SETTINGS) as Setting[])
    resolvers[setting] = jwtResolver({ ...SETTINGS[setting], keys: staticJwks(jwksOf(key)) });
});

/** Signs exactly these claims under exactly this header (plus `alg` and `kid`): nothing added. */
function sign(header: Record<string, unknown>, claims: Record<string, unknown>): Promise<string> {
  return new CompactSign(new TextEncoder().encode(JSON.stringify(claims)))
    .setProtectedHeader({ alg: 'ES256', kid: key.kid, ...header })
    .sign(key.privateKey);
}

async function answer(resolver: AccessTokenResolver, token: string): Promise<Answer> {
  const outcome = await resolveAt(resolver, token);
  return outcome.ok ? 'accepted' : outcome.failure.code;
}

describe('a JWT the authorization server signed for another purpose, presented as the access token', () => {
  it.each(ROWS.map((row) => [row.name, row] as const))('%s', async (_name, row) => {
    const token = await sign(row.header, row.claims);
    const answers: Partial<Record<Setting, Answer>> = {};
    const expected: Partial<Record<Setting, Answer>> = {};
    for (const setting of Object.keys(SETTINGS) as Setting[]) {
      answers[setting] = await answer(resolvers[setting], token);
      expected[setting] = row.must[setting] ?? row.otherwise;
    }
    expect(answers).toEqual(expected);
  });
});

describe('what a header names does not choose the key', () => {
  it('a DPoP proof signed with its own key and carrying it in jwk is refused before any claim is read', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const jwk = await exportJWK(publicKey);
    const forged = (typ: string) =>
      new CompactSign(
        new TextEncoder().encode(JSON.stringify({ ...accessToken, jti: 'p-1', htm: 'GET', htu: API })),
      )
        .setProtectedHeader({ alg: 'ES256', typ, jwk, kid: key.kid })
        .sign(privateKey);
    for (const setting of Object.keys(SETTINGS) as Setting[]) {
      expect(await answer(resolvers[setting], await forged('dpop+jwt'))).toBe('token_type_invalid');
      // Typed as an access token, the embedded key is ignored: the trusted key does not verify it.
      expect(await answer(resolvers[setting], await forged('at+jwt'))).toBe('signature_invalid');
    }
    expect(await calculateJwkThumbprint(jwk)).not.toBe(await calculateJwkThumbprint(key.publicJwk));
  });

  it('a JWS whose payload is another signed JWT (cty JWT, RFC 7519 §5.2) is not read as claims', async () => {
    const inner = await sign({ typ: 'logout+jwt' }, logoutToken);
    const nested = await new CompactSign(new TextEncoder().encode(inner))
      .setProtectedHeader({ alg: 'ES256', kid: key.kid, cty: 'JWT' })
      .sign(key.privateKey);
    for (const setting of Object.keys(SETTINGS) as Setting[])
      expect(await answer(resolvers[setting], nested)).toBe(
        // The RFC 9068 profile refuses its header first: it is not typed at+jwt.
        setting === 'rfc9068' ? 'token_type_invalid' : 'token_malformed',
      );
  });
});

describe('a logout token whose header does not say so is refused in every form the resolver reads', () => {
  it('signed, remembered by the verified-token cache, nested in a JWE, and encrypted alone', async () => {
    const secret = randomBytes(32);
    const options = { issuer: ISSUER, audience: CLIENT_ID, keys: staticJwks(jwksOf(key)) };
    const remembering = jwtResolver({ ...options, verifiedTokenCache: {} });
    const decrypting = jwtResolver({ ...options, decryption: staticDecryptionKeys([secret]) });
    const signed = await sign({ typ: 'JWT' }, logoutToken);
    const nested = await encrypt(signed, { alg: 'dir', enc: 'A256GCM', cty: 'JWT' }, secret);
    const encryptedAlone = await encrypt(logoutToken, { alg: 'dir', enc: 'A256GCM', typ: 'JWT' }, secret);
    for (const [resolver, token] of [
      [remembering, signed],
      [remembering, signed],
      [decrypting, nested],
      [decrypting, encryptedAlone],
    ] as const) {
      const outcome = await resolveAt(resolver, token);
      expect(outcome.ok ? 'accepted' : outcome.failure).toEqual({
        code: 'token_type_invalid',
        description: 'The JWT is a security event token ("events")',
      });
    }
    // The same claims without `events`: an access token for the client, which that audience accepts.
    const { events: _events, ...withoutEvents } = logoutToken;
    expect(
      (await resolveAt(decrypting, await encrypt(withoutEvents, { alg: 'dir', enc: 'A256GCM' }, secret))).ok,
    ).toBe(true);
  });
});
