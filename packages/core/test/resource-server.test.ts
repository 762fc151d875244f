import { inspect } from 'node:util';
import {
  generateSigningKey,
  jwksOf,
  rawToken,
  startJwksServer,
  type TestSigningKey,
  tamperSignature,
} from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  type AuthResult,
  claimEquals,
  createContext,
  createResourceServer,
  jwtResolver,
  type RsRequest,
  remoteJwks,
  staticJwks,
  tokenInfoFromClaims,
} from '../src/index.js';
import {
  API_URL,
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectRejected,
  ISSUER,
  invalidTokenChallenge,
  mint,
  NOW_MS,
  NOW_S,
  withKid,
} from './helpers.js';

let key: TestSigningKey;
let other: TestSigningKey;
let resolver: AccessTokenResolver;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  other = await generateSigningKey('ES256', 'other');
  resolver = jwtResolver({
    issuer: ISSUER,
    audience: AUDIENCE,
    keys: staticJwks(jwksOf(key)),
    profile: 'rfc9068',
  });
});

describe('an accepted request', () => {
  it('gets a typed context from the token', async () => {
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    const token = await mint(key, { jti: 'token-1', scope: 'read write', tenant: 'acme' });
    const context = expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(context).toMatchObject({
      source: 'jwt',
      subject: 'user-123',
      clientId: 'client-abc',
      issuer: ISSUER,
      audience: [AUDIENCE],
      expiresAt: NOW_S + 300,
      issuedAt: NOW_S,
      notBefore: undefined,
      tokenId: 'token-1',
      confirmation: undefined,
      scheme: 'Bearer',
      location: 'authorization-header',
    });
    expect([...context.scopes]).toEqual(['read', 'write']);
    expect(context.claims.tenant).toBe('acme');
    expect(context.token).toBe(token);
  });

  it('keeps the raw token out of enumeration, JSON, spread and inspection', async () => {
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    const token = await mint(key);
    const context = expectAccepted(await rs.authenticate(bearerRequest(token)));
    expect(context.token).toBe(token);
    expect(Object.keys(context)).not.toContain('token');
    expect(JSON.stringify(context)).not.toContain(token);
    expect(JSON.stringify(context)).not.toContain(token.split('.')[2]);
    expect({ ...context }).not.toHaveProperty('token');
    for (const options of [{}, { showHidden: true }, { getters: true }, { showHidden: true, getters: true }])
      expect(inspect(context, { depth: 5, ...options })).not.toContain(token.split('.')[2]);
    expect(inspect(context)).toContain(`subject: '${context.subject}'`);
    // Not an own property at all: a getter (without setter) that reads a private field.
    expect(Object.hasOwn(context, 'token')).toBe(false);
    expect(Object.getOwnPropertyNames(context)).not.toContain('token');
    expect(Reflect.ownKeys(context)).not.toContain('token');
    expect(Object.values(context)).not.toContain(token);
    expect(() => {
      (context as { token: string }).token = 'replaced';
    }).toThrow(TypeError);
  });

  it('createContext hides the token as well', () => {
    const info = tokenInfoFromClaims({ sub: 's' }, 'jwt');
    const context = createContext(info, 'secret-token', 'query');
    expect(context.token).toBe('secret-token');
    expect(JSON.stringify(context)).not.toContain('secret-token');
  });

  it('reads time from the injected clock', async () => {
    const token = await mint(key);
    let now = NOW_MS;
    const rs = createResourceServer({ resolver, clock: () => now });
    expectAccepted(await rs.authenticate(bearerRequest(token)));
    now = (NOW_S + 300) * 1000;
    expectRejected(await rs.authenticate(bearerRequest(token)), 'token_expired');
  });
});

describe('refusals', () => {
  it('refuses a certificate-bound token (cnf) without a certificate rather than accept it as a bearer token', async () => {
    const rs = createResourceServer({ resolver, clock: () => NOW_MS });
    const token = await mint(key, { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' } });
    const rejection = expectRejected(await rs.authenticate(bearerRequest(token)), 'certificate_missing', 401);
    expect(rejection.wwwAuthenticate).toBe(
      invalidTokenChallenge('The access token is bound to a client certificate and none was presented'),
    );
  });

  it('never puts the token into a rejection, across a battery of failures', async () => {
    const jwks = await startJwksServer(jwksOf(key));
    try {
      const rs = createResourceServer({
        resolver: jwtResolver({
          issuer: ISSUER,
          audience: AUDIENCE,
          keys: [staticJwks(jwksOf(key)), remoteJwks({ url: jwks.url })],
          profile: 'rfc9068',
          maxTokenLength: 4_000,
        }),
        realm: 'api',
        errorUri: 'https://docs.example.com/errors',
        policy: { scopes: ['read'], claims: [claimEquals('tenant', 'acme')] },
        tokenLocations: { query: true, formBody: true, header: 'x-token' },
        clock: () => NOW_MS,
      });
      const good = await mint(key, { tenant: 'acme' });
      const cases: [string, RsRequest, string][] = [
        ['expired', bearerRequest(await mint(key, { tenant: 'acme', exp: NOW_S - 1 })), 'token_expired'],
        ['tampered', bearerRequest(tamperSignature(good)), 'signature_invalid'],
        [
          'wrong issuer',
          bearerRequest(await mint(key, { iss: 'https://evil.example.com' })),
          'issuer_mismatch',
        ],
        ['wrong audience', bearerRequest(await mint(key, { aud: 'urn:other' })), 'audience_mismatch'],
        ['unknown kid', bearerRequest(await mint(withKid(other, 'nope'))), 'unknown_key'],
        ['typ JWT', bearerRequest(await mint(key, {}, { typ: 'JWT' })), 'token_type_invalid'],
        ['no jti', bearerRequest(await mint(key, { jti: undefined })), 'claim_missing'],
        // Under RFC 9068 a required claim of the wrong type counts as missing.
        ['exp string', bearerRequest(await mint(key, { exp: 'soon' })), 'claim_missing'],
        ['not yet valid', bearerRequest(await mint(key, { nbf: NOW_S + 60 })), 'token_not_yet_valid'],
        ['alg none', bearerRequest(rawToken({ alg: 'none' }, { iss: ISSUER }, '')), 'algorithm_not_allowed'],
        ['crit-less malformed', bearerRequest(rawToken({ alg: 'ES256', kid: 7 }, {})), 'token_malformed'],
        ['jwe shaped', bearerRequest(`${good}.${good.split('.')[2]}.x`), 'token_unsupported'],
        ['too large', bearerRequest(`${good}${'A'.repeat(4_000)}`), 'token_too_large'],
        [
          'bound',
          bearerRequest(await mint(key, { tenant: 'acme', cnf: { jkt: 'x' } })),
          'dpop_bound_token_as_bearer',
        ],
        [
          'insufficient scope',
          bearerRequest(await mint(key, { tenant: 'acme', scope: 'write' })),
          'insufficient_scope',
        ],
        ['claim check', bearerRequest(await mint(key, { tenant: 'evil' })), 'claim_check_failed'],
        ['plain http', bearerRequest(good, { url: 'http://api.example.com/' }), 'https_required'],
        [
          'header and query',
          bearerRequest(good, { url: `${API_URL}?access_token=${good}` }),
          'multiple_token_methods',
        ],
        [
          'two query tokens',
          { method: 'GET', url: `${API_URL}?access_token=${good}&access_token=${good}`, headers: {} },
          'multiple_token_methods',
        ],
        [
          'bad b64token',
          { method: 'GET', url: API_URL, headers: { authorization: `Bearer ${good}"` } },
          'malformed_authorization',
        ],
        [
          'bad custom header',
          { method: 'GET', url: API_URL, headers: { 'x-token': `${good} x` } },
          'malformed_authorization',
        ],
        [
          'form array',
          {
            method: 'POST',
            url: API_URL,
            headers: { 'content-type': 'application/x-www-form-urlencoded' },
            form: { access_token: [good, good] },
          },
          'multiple_token_methods',
        ],
        [
          'two authorization headers',
          { method: 'GET', url: API_URL, headers: { authorization: [`Bearer ${good}`, 'Bearer x'] } },
          'malformed_authorization',
        ],
      ];
      for (const [name, request, code] of cases) {
        const result: AuthResult = await rs.authenticate(request);
        const rejection = expectRejected(result, code as never);
        const everything = JSON.stringify({ ...rejection, headers: rejection.headers, body: rejection.body });
        for (const fragment of [good, ...good.split('.')]) {
          expect(everything, name).not.toContain(fragment);
        }
        const presented = request.headers.authorization;
        if (typeof presented === 'string') {
          for (const fragment of presented.replace(/^Bearer /, '').split('.')) {
            if (fragment.length > 8) expect(everything, name).not.toContain(fragment);
          }
        }
      }
    } finally {
      await jwks.close();
    }
  });

  it('never throws for anything a client sends', async () => {
    const rs = createResourceServer({
      resolver,
      tokenLocations: { query: true, formBody: true },
      clock: () => NOW_MS,
    });
    const requests: RsRequest[] = [
      { method: 'GET', url: API_URL, headers: { authorization: 'Bearer ..' } },
      { method: 'GET', url: API_URL, headers: { authorization: 'Bearer ....' } },
      { method: 'GET', url: API_URL, headers: { authorization: `Bearer ${'A'.repeat(100_000)}` } },
      { method: 'GET', url: API_URL, headers: { authorization: 'Bearer e30.e30.e30' } },
      { method: 'GET', url: API_URL, headers: { authorization: 'Bearer W10.W10.W10' } },
      { method: 'GET', url: `${API_URL}?access_token=%ZZ`, headers: {} },
      { method: 'GET', url: `${API_URL}?access_token`, headers: {} },
      {
        method: 'POST',
        url: API_URL,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        form: { access_token: 42 },
      },
      { method: 'POST', url: API_URL, headers: { 'content-type': ['a', 'b'] }, form: { access_token: 'x' } },
    ];
    for (const request of requests) {
      const result = await rs.authenticate(request);
      expect(result.ok).toBe(false);
      if (!result.ok) expect([400, 401]).toContain(result.rejection.status);
    }
  });
});
