import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  jwtResolver,
  type ResourceServerOptions,
  type RsRequest,
  staticJwks,
} from '../../src/index.js';
import { API_URL, AUDIENCE, expectAccepted, expectRejected, ISSUER, mint, NOW_MS } from '../helpers.js';

// Requests that hide a second token, or spell the scheme so that it reads as another one. Each must be
// refused as malformed (RFC 6750 §3.1: more than one method, or otherwise malformed), never read as a
// request without a token (an optional route would let it in as anonymous) and never answered from the
// verified-token cache as if the other token were not there.

let key: TestSigningKey;
let resolver: AccessTokenResolver;
let cachedResolver: AccessTokenResolver;
let token: string;
let other: string;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
  const options = { issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) };
  resolver = jwtResolver(options);
  cachedResolver = jwtResolver({ ...options, verifiedTokenCache: { maxEntries: 100 } });
  token = await mint(key, { sub: 'alice' });
  other = await mint(key, { sub: 'mallory' });
});

function server(options: Partial<ResourceServerOptions> = {}) {
  return createResourceServer({ resolver, clock: () => NOW_MS, ...options });
}

function get(headers: RsRequest['headers'], url = API_URL): RsRequest {
  return { method: 'GET', url, headers };
}

describe('a remembered token beside a token in another place', () => {
  it('is refused as two methods, as before it was remembered', async () => {
    const rs = server({ resolver: cachedResolver, tokenLocations: { cookie: 'at' } });
    // Remembered by a request that carries it alone.
    expectAccepted(await rs.authenticate(get({ authorization: `Bearer ${token}` })));
    for (let i = 0; i < 2; i++) {
      expectRejected(
        await rs.authenticate(get({ authorization: `Bearer ${token}`, cookie: `at=${other}` })),
        'multiple_token_methods',
      );
    }
    // A malformed cookie, or the cookie twice, is still read, and refused.
    expectRejected(
      await rs.authenticate(get({ authorization: `Bearer ${token}`, cookie: 'at="a b"' })),
      'malformed_authorization',
    );
    expectRejected(
      await rs.authenticate(get({ authorization: `Bearer ${token}`, cookie: 'at=x; at=y' })),
      'multiple_token_methods',
    );
  });
});

describe('credentials of ours after another scheme', () => {
  it.each([
    ['two headers joined by Fetch', `Basic eDp5, Bearer ${token}`],
    ['joined without a space', `Basic eDp5,Bearer ${token}`],
    ['with another case', `Basic eDp5, bEaReR ${token}`],
  ])('are refused as malformed, never as no token: %s', async (_, value) => {
    const rs = server({ tokenLocations: { authorizationHeader: true, query: true } });
    expectRejected(await rs.authenticate(get({ authorization: value })), 'malformed_authorization');
    expectRejected(await rs.authenticateOptional(get({ authorization: value })), 'malformed_authorization');
    // Not a way to smuggle a query token past the header either.
    expectRejected(
      await rs.authenticate(get({ authorization: value }, `${API_URL}?access_token=${other}`)),
      'malformed_authorization',
    );
  });

  it('are refused after another scheme when DPoP is accepted', async () => {
    const rs = server({ dpop: true });
    expectRejected(
      await rs.authenticate(get({ authorization: `Basic eDp5, DPoP ${token}` })),
      'malformed_authorization',
    );
  });

  it('leave an honest other scheme alone: no token, no error', async () => {
    const rs = server();
    for (const authorization of [
      'Basic eDp5',
      'Digest username="bearer", realm="api", nonce="x", uri="/", response="y"',
      'BearerX eDp5',
      'Bearers eDp5',
    ]) {
      const rejection = expectRejected(await rs.authenticate(get({ authorization })), 'token_missing');
      expect(rejection.wwwAuthenticate).toBe('Bearer');
    }
  });
});

describe('a scheme not followed by a space (RFC 9110 §11.4: 1*SP)', () => {
  it.each([
    ['a tab', `Bearer\t${token}`],
    ['a colon', `Bearer:${token}`],
    ['a no-break space', `Bearer\u00a0${token}`],
    ['a NUL', `Bearer\u0000 ${token}`],
  ])('is malformed, never another scheme: %s', async (_, authorization) => {
    const rs = server();
    expectRejected(await rs.authenticate(get({ authorization })), 'malformed_authorization');
    expectRejected(await rs.authenticateOptional(get({ authorization })), 'malformed_authorization');
  });
});

describe('a malformed DPoP authorization', () => {
  it.each(['DPoP a b', 'DPoP', 'DPoP tok"en', 'dpop\ttoken'])(
    'is answered in the DPoP challenge, the scheme the client used: %s',
    async (authorization) => {
      const rejection = expectRejected(
        await server({ dpop: true }).authenticate(get({ authorization })),
        'malformed_authorization',
      );
      const [bearer, dpop] = (rejection.wwwAuthenticate ?? '').split('DPoP ');
      expect(bearer).not.toContain('error=');
      expect(dpop).toContain('error="invalid_request"');
    },
  );
});

describe('a query in the fragment', () => {
  it('is no query: a token after # is not read', async () => {
    const rs = server({ tokenLocations: { query: true } });
    expectRejected(await rs.authenticate(get({}, `${API_URL}#x?access_token=${token}`)), 'token_missing');
    expectAccepted(await rs.authenticate(get({}, `${API_URL}?access_token=${token}#x`)));
  });
});
