import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { SignJWT } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  type AccessTokenResolver,
  createResourceServer,
  hybridResolver,
  issuerRouter,
  jwtResolver,
  staticJwks,
  tokenCache,
} from '../../src/index.js';
import { bearerRequest, expectAccepted, expectRejected, NOW_MS, NOW_S } from '../helpers.js';

// A Keycloak user in many groups gets an access token longer than 16 KiB; `maxTokenLength` is raised for
// it. The resolvers that route tokens must then send it to the resolver that accepts it, as they do a
// short one: not to the opaque-token resolver, nor refuse it for want of an issuer.
const KEYCLOAK = 'https://kc.example.com/realms/demo';
const OTHER = 'https://other.example.com';

let key: TestSigningKey;
let largeToken: string;
beforeAll(async () => {
  key = await generateSigningKey('RS256', 'kc-rs256');
  const groups = Array.from({ length: 600 }, (_, index) => `/departments/engineering/team-${index}`);
  largeToken = await new SignJWT({
    iss: KEYCLOAK,
    aud: 'orders.api',
    sub: '2b6f6c4e-3c50-4b4c-8b3f-8a6f3b0d5e11',
    typ: 'Bearer',
    azp: 'web-app',
    scope: 'openid orders:read',
    groups,
    iat: NOW_S - 10,
    exp: NOW_S + 300,
  })
    .setProtectedHeader({ alg: 'RS256', kid: key.kid, typ: 'JWT' })
    .sign(key.privateKey);
  expect(largeToken.length).toBeGreaterThan(20_000);
  expect(largeToken.length).toBeLessThan(65_536);
});

const keycloakResolver = (maxTokenLength?: number) =>
  jwtResolver({
    issuer: KEYCLOAK,
    audience: 'orders.api',
    keys: staticJwks(jwksOf(key)),
    ...(maxTokenLength === undefined ? {} : { maxTokenLength }),
  });

/** A resolver of the application's own for opaque tokens, counting what it is asked. */
function countingOpaqueResolver(): AccessTokenResolver & { calls: number } {
  const resolver = {
    calls: 0,
    resolve: async () => {
      resolver.calls++;
      return {
        ok: false as const,
        failure: { code: 'token_inactive' as const, description: 'unknown token' },
      };
    },
  };
  return resolver;
}

const serverWith = (resolver: AccessTokenResolver) => createResourceServer({ resolver, clock: () => NOW_MS });

describe('a JWT longer than 16 KiB that its resolver accepts', () => {
  it('hybridResolver sends it to the JWT resolver, not to the opaque one', async () => {
    const opaque = countingOpaqueResolver();
    const rs = serverWith(hybridResolver({ jwt: keycloakResolver(65_536), opaque }));
    const context = expectAccepted(await rs.authenticate(bearerRequest(largeToken)));
    expect(context.source).toBe('jwt');
    expect(opaque.calls).toBe(0);
    // Left at its default length, the JWT resolver refuses it, still without asking the other.
    const short = serverWith(hybridResolver({ jwt: keycloakResolver(), opaque }));
    expectRejected(await short.authenticate(bearerRequest(largeToken)), 'token_too_large');
    expect(opaque.calls).toBe(0);
  });

  it('issuerRouter reads its issuer and routes it, also to a cached resolver', async () => {
    const other = jwtResolver({ issuer: OTHER, audience: 'orders.api', keys: staticJwks(jwksOf(key)) });
    for (const route of [keycloakResolver(65_536), tokenCache(keycloakResolver(65_536))]) {
      const rs = serverWith(issuerRouter({ issuers: { [KEYCLOAK]: route, [OTHER]: other } }));
      expect(expectAccepted(await rs.authenticate(bearerRequest(largeToken))).issuer).toBe(KEYCLOAK);
    }
  });

  it('issuerRouter refuses it as too large when no route takes tokens that long, not as nameless', async () => {
    const unidentified = countingOpaqueResolver();
    const rs = serverWith(issuerRouter({ issuers: { [KEYCLOAK]: keycloakResolver() }, unidentified }));
    expectRejected(await rs.authenticate(bearerRequest(largeToken)), 'token_too_large');
    expect(unidentified.calls).toBe(0);
  });
});
