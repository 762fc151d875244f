import {
  generateSigningKey,
  type JwksServer,
  jwksOf,
  rawToken,
  startJwksServer,
  type TestSigningKey,
  tamperSignature,
} from '@rs/testkit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer as createFullResourceServer,
  jwtResolver as fullJwtResolver,
  remoteJwks as fullRemoteJwks,
  type OptionalAuthResult,
  type RsRequest,
  tokenInfoFromClaims,
} from '../../src/index.js';
import { createResourceServer, jwtResolver, type ResourceServer, remoteJwks } from '../../src/lite/index.js';
import {
  API_URL,
  AUDIENCE,
  bearerRequest,
  expectAccepted,
  expectRejected,
  ISSUER,
  mint,
  NOW_MS,
  NOW_S,
  withKid,
} from '../helpers.js';

// The lite resource server runs the full one's pipeline: what it can check it decides identically; what
// it cannot (bound tokens, encrypted tokens, DPoP) it refuses, as the full server refuses what it cannot
// check. Both read the same JWK set, served over loopback HTTP.

let key: TestSigningKey;
let stranger: TestSigningKey;
let jwks: JwksServer;
let lite: ResourceServer;
let full: ResourceServer;

const SETTINGS = { issuer: ISSUER, audience: AUDIENCE, profile: 'rfc9068' } as const;
const SERVER = { realm: 'api', clock: () => NOW_MS, policy: { scopes: ['read'] } } as const;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  stranger = await generateSigningKey('ES256', 'k1');
  jwks = await startJwksServer(jwksOf(key));
  lite = createResourceServer({
    ...SERVER,
    resolver: jwtResolver({ ...SETTINGS, keys: remoteJwks({ url: jwks.url }) }),
    requireHttps: true,
  });
  full = createFullResourceServer({
    ...SERVER,
    resolver: fullJwtResolver({ ...SETTINGS, keys: fullRemoteJwks({ url: jwks.url }) }),
    requireHttps: true,
  });
});

afterAll(async () => {
  await jwks?.close();
});

/** The answer as a client sees it: status, headers and body, or the context. */
function answer(result: OptionalAuthResult): unknown {
  return result.ok ? { context: result.context, headers: result.headers } : result.rejection;
}

describe('a valid token', () => {
  it('is accepted with the context the full server gives', async () => {
    const token = await mint(key, { scope: 'read write', sub: 'alice', tenant: 'acme' });
    const fromLite = expectAccepted(await lite.authenticate(bearerRequest(token)));
    const fromFull = expectAccepted(await full.authenticate(bearerRequest(token)));
    expect(fromLite).toEqual(fromFull);
    expect(fromLite).toMatchObject({ subject: 'alice', source: 'jwt', scheme: 'Bearer' });
    expect(fromLite.claims.tenant).toBe('acme');
  });

  it('from the query is accepted with the same private answer', async () => {
    const token = await mint(key, { scope: 'read' });
    const locations = { tokenLocations: { query: true } };
    const liteQuery = createResourceServer({
      ...SERVER,
      ...locations,
      resolver: jwtResolver({ ...SETTINGS, keys: remoteJwks({ url: jwks.url }) }),
    });
    const fullQuery = createFullResourceServer({
      ...SERVER,
      ...locations,
      resolver: fullJwtResolver({ ...SETTINGS, keys: fullRemoteJwks({ url: jwks.url }) }),
    });
    const request: RsRequest = { method: 'GET', url: `${API_URL}?access_token=${token}`, headers: {} };
    const fromLite = await liteQuery.authenticate(request);
    expect(answer(fromLite)).toEqual(answer(await fullQuery.authenticate(request)));
    expect(fromLite.ok && fromLite.headers).toEqual({ 'cache-control': 'private' });
  });

  it('reports the same status as the full server', () => {
    expect(lite.status().ready).toBe(full.status().ready);
    expect(lite.dpop).toBe(false);
    expect(lite.protectedResource).toBeUndefined();
  });
});

describe('a differential table: lite and full refuse alike', () => {
  const cases: [string, () => Promise<RsRequest>][] = [
    ['no token', async () => ({ method: 'GET', url: API_URL, headers: {} })],
    ['an expired token', async () => bearerRequest(await mint(key, { iat: NOW_S - 900, exp: NOW_S - 600 }))],
    ['a token not yet valid', async () => bearerRequest(await mint(key, { nbf: NOW_S + 600 }))],
    ['another audience', async () => bearerRequest(await mint(key, { aud: 'https://other.example.com' }))],
    ['another issuer', async () => bearerRequest(await mint(key, { iss: 'https://evil.example.com' }))],
    ['a tampered signature', async () => bearerRequest(tamperSignature(await mint(key)))],
    ['a signature by another key under the same kid', async () => bearerRequest(await mint(stranger))],
    [
      'alg none',
      async () =>
        bearerRequest(
          rawToken(
            { alg: 'none', typ: 'at+jwt' },
            { iss: ISSUER, aud: AUDIENCE, sub: 'u', client_id: 'c', iat: NOW_S, exp: NOW_S + 300, jti: 'j' },
            '',
          ),
        ),
    ],
    ['an unknown kid', async () => bearerRequest(await mint(withKid(key, 'unknown-kid')))],
    ['a missing scope', async () => bearerRequest(await mint(key, { scope: 'write' }))],
    ['a profile claim missing', async () => bearerRequest(await mint(key, { client_id: undefined }))],
    ['a garbage token', async () => bearerRequest('x'.repeat(40))],
    ['an encrypted (five-part) token', async () => bearerRequest('eyJhbGciOiJkaXIifQ.a.b.c.d')],
    ['a cnf that is not an object', async () => bearerRequest(await mint(key, { cnf: 'bound' }))],
    [
      'plain http',
      async () => ({ ...bearerRequest(await mint(key)), url: 'http://api.example.com/resource' }),
    ],
    [
      'a DPoP authorization (no dpop on either server)',
      async () => {
        const token = await mint(key);
        return { method: 'GET', url: API_URL, headers: { authorization: `DPoP ${token}`, dpop: 'proof' } };
      },
    ],
    [
      'two Authorization headers',
      async () => ({
        method: 'GET',
        url: API_URL,
        headers: { authorization: [`Bearer ${await mint(key)}`, `Bearer ${await mint(key)}`] },
      }),
    ],
  ];

  it.each(cases)('%s', async (_label, request) => {
    const sent = await request();
    const fromLite = await lite.authenticate(sent);
    const fromFull = await full.authenticate(sent);
    expect(fromLite.ok).toBe(false);
    expect(answer(fromLite)).toEqual(answer(fromFull));
  });

  it('the table covers the refusals it names', async () => {
    expectRejected(
      await lite.authenticate(bearerRequest(await mint(key, { scope: 'write' }))),
      'insufficient_scope',
    );
    expectRejected(
      await lite.authenticate(bearerRequest(tamperSignature(await mint(key)))),
      'signature_invalid',
    );
    expectRejected(await lite.authenticate(bearerRequest('eyJhbGciOiJkaXIifQ.a.b.c.d')), 'token_unsupported');
  });
});

describe('fail closed: what lite cannot check is refused', () => {
  it('refuses a cnf-bound token as the full server refuses a binding it cannot check', async () => {
    const bound = await mint(key, { cnf: { jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs' } });
    const uncheckable = await mint(key, { cnf: { kid: 'some-key' } });
    const fromLite = expectRejected(
      await lite.authenticate(bearerRequest(bound)),
      'confirmation_unsupported',
    );
    const fromFull = expectRejected(
      await full.authenticate(bearerRequest(uncheckable)),
      'confirmation_unsupported',
    );
    expect(fromLite).toEqual(fromFull);
    expect(fromLite.status).toBe(401);
    expect(fromLite.wwwAuthenticate).toBe(
      'Bearer realm="api", error="invalid_token", error_description="The access token is bound to a key this resource server cannot check"',
    );
  });

  it('refuses a certificate-bound token the same way', async () => {
    const bound = await mint(key, { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg0' } });
    const rejection = expectRejected(
      await lite.authenticate(bearerRequest(bound)),
      'confirmation_unsupported',
    );
    expect(rejection.error).toBe('invalid_token');
  });

  it('refuses token info carrying a confirmation (from any resolver)', async () => {
    const claims = { iss: ISSUER, sub: 'alice', scope: 'read', exp: NOW_S + 300 };
    const withConfirmation = (confirmation: Record<string, unknown>): AccessTokenResolver => ({
      resolve: async () => ({
        ok: true,
        value: { ...tokenInfoFromClaims(claims, 'introspection'), confirmation },
      }),
    });
    const liteServer = createResourceServer({ ...SERVER, resolver: withConfirmation({ jkt: 'thumbprint' }) });
    const fullServer = createFullResourceServer({
      ...SERVER,
      resolver: withConfirmation({ kid: 'some-key' }),
    });
    const request = bearerRequest('an-opaque-token');
    const fromLite = await liteServer.authenticate(request);
    expectRejected(fromLite, 'confirmation_unsupported');
    expect(answer(fromLite)).toEqual(answer(await fullServer.authenticate(request)));
  });

  it('answers a DPoP authorization as a server without dpop does, also on optional routes', async () => {
    const token = await mint(key);
    const request: RsRequest = { method: 'GET', url: API_URL, headers: { authorization: `DPoP ${token}` } };
    // Another scheme is no token: refused where a token is required, anonymous (never authenticated)
    // where it is optional; exactly as the full server without `dpop`.
    const required = await lite.authenticate(request);
    expectRejected(required, 'token_missing');
    expect(answer(required)).toEqual(answer(await full.authenticate(request)));
    const optional = await lite.authenticateOptional(request);
    expect(optional).toMatchObject({ ok: true, context: undefined });
    expect(answer(optional)).toEqual(answer(await full.authenticateOptional(request)));
  });

  it('refuses an encrypted token with invalid_token', async () => {
    const rejection = expectRejected(
      await lite.authenticate(bearerRequest('eyJhbGciOiJkaXIiLCJlbmMiOiJBMTI4R0NNIn0..aXY.Y2lwaGVy.dGFn')),
      'token_unsupported',
    );
    expect(rejection.status).toBe(401);
    expect(rejection.error).toBe('invalid_token');
  });
});
