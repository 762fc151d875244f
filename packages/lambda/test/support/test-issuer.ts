import { type AccessTokenResolver, jwtResolver, staticJwks } from '@rs/core';
import { generateSigningKey, jwksOf, mintToken } from '@rs/testkit';

const ISSUER = 'https://as.example.test';
const AUDIENCE = 'https://api.example.test';

/** A signing key, a resolver trusting it, and a way to mint tokens with it. */
export interface TestIssuer {
  readonly resolver: AccessTokenResolver;
  mint(claims?: Record<string, unknown>): Promise<string>;
}

export async function testIssuer(): Promise<TestIssuer> {
  const key = await generateSigningKey('ES256');
  return {
    resolver: jwtResolver({
      issuer: ISSUER,
      audience: AUDIENCE,
      keys: staticJwks(jwksOf(key)),
      profile: 'rfc9068',
    }),
    mint: (claims = {}) => mintToken(key, { issuer: ISSUER, audience: AUDIENCE }, claims),
  };
}
