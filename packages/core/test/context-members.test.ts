import { generateSigningKey, jwksOf, type TestSigningKey } from '@rs/testkit';
import { beforeAll, describe, expect, it } from 'vitest';
import { createResourceServer, jwtResolver, type OAuth2Context, staticJwks } from '../src/index.js';
import { AUDIENCE, bearerRequest, expectAccepted, ISSUER, mint, NOW_MS } from './helpers.js';

// The context's type is what applications program against: a member it declares that the context never
// carries reads `undefined` for every request, whatever the token says. `satisfies` makes this list name
// every member of the type (a member the type gains must be listed, and a listed one it lacks fails to
// compile); the test checks that the context handed to the application has each of them.
const CONTEXT_MEMBERS = {
  source: true,
  claims: true,
  subject: true,
  clientId: true,
  issuer: true,
  audience: true,
  scopes: true,
  expiresAt: true,
  issuedAt: true,
  notBefore: true,
  tokenId: true,
  trackingId: true,
  confirmation: true,
  introspectionJwt: true,
  token: true,
  scheme: true,
  location: true,
} as const satisfies Record<keyof OAuth2Context, true>;

let key: TestSigningKey;

beforeAll(async () => {
  key = await generateSigningKey('ES256', 'k1');
});

describe('the members of a context', () => {
  it('are every member its type declares', async () => {
    const server = createResourceServer({
      resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
      clock: () => NOW_MS,
    });
    const context = expectAccepted(
      await server.authenticate(bearerRequest(await mint(key, { sub: 'alice' }))),
    );
    const missing = Object.keys(CONTEXT_MEMBERS).filter((member) => !(member in context));
    expect(missing).toEqual([]);
  });

  it("does not declare the introspection answer's own expiry, which only caches read", async () => {
    const server = createResourceServer({
      resolver: jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) }),
      clock: () => NOW_MS,
    });
    const context = expectAccepted(
      await server.authenticate(bearerRequest(await mint(key, { sub: 'alice' }))),
    );
    // @ts-expect-error a member of TokenInfo for token caches, never set on the application's context.
    expect(context.answerExpiresAt).toBeUndefined();
  });
});
