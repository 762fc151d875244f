import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  introspectionResolver,
  issuerRouter,
  jwtResolver,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { AUDIENCE, expectConfigError, expectSuccess, ISSUER, mint, resolveAt } from '../helpers.js';

// A route key is compared exactly with each token's `iss`, then the route's resolver compares it with
// its own issuer: a key spelt otherwise than that issuer built, and refused every token of it.
let key: TestSigningKey;
let jwt: AccessTokenResolver;
beforeAll(async () => {
  key = await generateSigningKey('ES256');
  jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
});

const routeOption = (issuer: string) => `issuerRouter.issuers[${JSON.stringify(issuer)}]`;

describe('issuerRouter refuses at start-up a route its jwtResolver would never accept', () => {
  it.each([
    ['a trailing slash the resolver’s issuer lacks', `${ISSUER}/`],
    ['another path', `${ISSUER}/oauth2`],
    ['another issuer altogether', 'https://other.example.com'],
  ])('refuses %s, naming the route and the issuer accepted', (_name, routeKey) => {
    const error = expectConfigError(
      () => issuerRouter({ issuers: { [routeKey]: jwt } }),
      routeOption(routeKey),
    );
    expect(error.problem).toContain(`accepts only the issuer "${ISSUER}"`);
    expect(error.problem).toContain('issuer_mismatch');
  });

  it('refuses it through a token cache, which answers as the resolver it wraps', () => {
    const cached = tokenCache(jwt);
    expectConfigError(() => issuerRouter({ issuers: { [`${ISSUER}/`]: cached } }), routeOption(`${ISSUER}/`));
  });

  it('takes every spelling a resolver with several issuers accepts, and routes tokens of each', async () => {
    const spellings = [ISSUER, `${ISSUER}/oauth2`];
    const both = jwtResolver({ issuer: spellings, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
    const router = issuerRouter({ issuers: { [spellings[0]!]: both, [spellings[1]!]: both } });
    for (const iss of spellings)
      expect(expectSuccess(await resolveAt(router, await mint(key, { iss }))).issuer).toBe(iss);
  });

  it('accepts the route keyed by the issuer as given, and tokens through it', async () => {
    const router = issuerRouter({ issuers: { [ISSUER]: tokenCache(jwt) } });
    expect(expectSuccess(await resolveAt(router, await mint(key))).issuer).toBe(ISSUER);
  });

  it('leaves alone a resolver that cannot tell the issuers it accepts', () => {
    const opaque = introspectionResolver({
      endpoint: 'https://as.example.com/introspect',
      acceptAnyAudience: true,
      clientAuthentication: { method: 'client_secret_basic', clientId: 'rs', clientSecret: 'secret' },
    });
    const ownResolver: AccessTokenResolver = { resolve: (token, context) => jwt.resolve(token, context) };
    expect(() =>
      issuerRouter({
        issuers: { 'https://one.example.com': opaque, 'https://two.example.com': ownResolver },
      }),
    ).not.toThrow();
  });
});

describe('issuerRouter holds route keys to the spelling rules of jwtResolver.issuer', () => {
  it.each([
    ['an upper-case host', 'https://AS.example.com'],
    ['an upper-case scheme', 'HTTPS://as.example.com'],
    ['a query', 'https://as.example.com?tenant=a'],
    ['a fragment', 'https://as.example.com#a'],
    ['a zero-width space', `${ISSUER}\u200b`],
    ['a line break inside', 'https://as.example.com/a\nb'],
    ['white space around', ` ${ISSUER}`],
    ['nothing at all', ''],
  ])('refuses %s, whatever the resolver', (_name, routeKey) => {
    const ownResolver: AccessTokenResolver = { resolve: (token, context) => jwt.resolve(token, context) };
    // A key with a query is named without it: the query may hold an API key.
    const option = routeKey.includes('?')
      ? 'issuerRouter.issuers["https://as.example.com/?…"]'
      : routeOption(routeKey);
    expectConfigError(() => issuerRouter({ issuers: { [routeKey]: ownResolver } }), option);
  });

  it('accepts what jwtResolver.issuer accepts: a plain name and a URN', () => {
    const ownResolver: AccessTokenResolver = { resolve: (token, context) => jwt.resolve(token, context) };
    expect(() =>
      issuerRouter({ issuers: { 'my-issuer': ownResolver, 'urn:example:issuer': ownResolver } }),
    ).not.toThrow();
  });
});
