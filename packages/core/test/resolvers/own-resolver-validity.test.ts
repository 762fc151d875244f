import { describe, expect, it } from 'vitest';
import type { AccessTokenResolver } from '../../src/index.js';
import { createResourceServer, tokenCache, tokenInfoFromClaims } from '../../src/index.js';

// A resolver of the application's own (Identity Gateway's scriptable resolver does the same job) that
// returns what it was given: it checks no time itself. The resource server must still refuse a token
// whose validity period is over, whatever resolver vouched for it.
function ownResolver(claims: Record<string, unknown>): AccessTokenResolver {
  return {
    cacheNamespace: 'own-resolver-v1',
    resolve: async () => ({ ok: true, value: tokenInfoFromClaims(claims, 'introspection') }),
  };
}

const request = { method: 'GET', url: 'https://api.example/items', headers: { authorization: 'Bearer abc' } };
const nowSeconds = () => Math.floor(Date.now() / 1000);

describe('the validity period of a resolver of your own', () => {
  it.each([
    ['expired an hour ago', () => ({ exp: nowSeconds() - 3600 }), 'The access token expired'],
    [
      'valid only in an hour',
      () => ({ exp: nowSeconds() + 7200, nbf: nowSeconds() + 3600 }),
      'not valid yet',
    ],
    [
      'issued in an hour',
      () => ({ exp: nowSeconds() + 7200, iat: nowSeconds() + 3600 }),
      'issued in the future',
    ],
    ['"exp" as a string', () => ({ exp: String(nowSeconds() - 3600) }), 'exp claim is not a number'],
  ])('refuses a token %s, directly and behind tokenCache', async (_, times, description) => {
    const claims = { sub: 'alice', scope: 'read', ...times() };
    for (const resolver of [ownResolver(claims), tokenCache(ownResolver(claims))]) {
      const rs = createResourceServer({ resolver, policy: { scopes: ['read'] } });
      for (let i = 0; i < 2; i++) {
        const result = await rs.authenticate(request);
        expect(result.ok).toBe(false);
        if (result.ok) continue;
        expect(result.rejection.status).toBe(401);
        expect(result.rejection.wwwAuthenticate).toContain('error="invalid_token"');
        expect(result.rejection.wwwAuthenticate).toContain(description);
      }
    }
  });

  it('refuses a TokenInfo built by hand whose times are no finite numbers', async () => {
    const expired = nowSeconds() - 3600;
    for (const times of [
      { expiresAt: String(expired) },
      { expiresAt: Number.NaN },
      { expiresAt: new Date(expired * 1000) },
      { notBefore: '0' },
      { issuedAt: Number.POSITIVE_INFINITY },
      // Typed times that disagree with the claims they should be read from: the past exp must not be
      // hidden behind a future expiresAt, nor a string exp behind a number.
      { expiresAt: nowSeconds() + 3600 },
      { expiresAt: nowSeconds() + 3600, claims: { sub: 'alice', scope: 'read', exp: 'soon' } },
      {
        notBefore: nowSeconds() - 10,
        claims: { sub: 'alice', scope: 'read', exp: expired + 7200, nbf: nowSeconds() + 86_400 },
      },
    ]) {
      const info = {
        ...tokenInfoFromClaims({ sub: 'alice', scope: 'read', exp: expired }, 'introspection'),
        ...times,
      };
      const resolver: AccessTokenResolver = {
        cacheNamespace: 'hand-built-v1',
        resolve: async () => ({ ok: true, value: info as never }),
      };
      for (const rs of [resolver, tokenCache(resolver)].map((r) => createResourceServer({ resolver: r }))) {
        const result = await rs.authenticate(request);
        expect(result.ok).toBe(false);
        if (!result.ok) expect(result.rejection.status).toBe(401);
      }
    }
  });

  it('leaves the skew to the resolver: up to the widest one @rs allows (300 s), and tokens without "exp"', async () => {
    for (const claims of [
      { sub: 'alice', scope: 'read', exp: nowSeconds() - 240 },
      { sub: 'alice', scope: 'read', nbf: nowSeconds() + 240 },
      { sub: 'alice', scope: 'read' },
    ]) {
      const rs = createResourceServer({ resolver: ownResolver(claims), policy: { scopes: ['read'] } });
      const result = await rs.authenticate(request);
      expect(result.ok).toBe(true);
    }
  });
});
