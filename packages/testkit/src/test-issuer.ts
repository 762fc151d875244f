import {
  type AccessTokenResolver,
  jwtResolver,
  type ResourceServerOptions,
  type RsRequest,
  staticJwks,
} from '@rs/core';
import { generateSigningKey, jwksOf } from './keys.js';
import { mintToken } from './tokens.js';

/** A real signing key and a resolver trusting it, for adapter tests. */
export interface TestIssuer {
  /** The `iss` of the tokens minted, which the resolver requires. */
  readonly issuer: string;
  /** The `aud` of the tokens minted, which the resolver requires. */
  readonly audience: string;
  /** A JWT resolver for this issuer that records every request reaching it in {@link TestIssuer.seen}. */
  readonly resolver: AccessTokenResolver;
  /** The requests the resolver saw, oldest first: what an adapter handed to core. */
  readonly seen: RsRequest[];
  /** Resource-server options over plain HTTP (`requireHttps: false`, realm `test`) with the resolver. */
  options(overrides?: Partial<ResourceServerOptions>): ResourceServerOptions;
  /** A real ES256 access token (RFC 9068 shape); claims given override the defaults. */
  mint(claims?: Record<string, unknown>): Promise<string>;
}

/** Generates a key and builds a {@link TestIssuer} around it. */
export async function testIssuer(
  issuer = 'https://as.example.test',
  audience = 'https://api.example.test',
): Promise<TestIssuer> {
  const key = await generateSigningKey('ES256');
  const jwt = jwtResolver({ issuer, audience, keys: staticJwks(jwksOf(key)) });
  const seen: RsRequest[] = [];
  const resolver: AccessTokenResolver = {
    resolve(token, context) {
      seen.push(context.request);
      return jwt.resolve(token, context);
    },
  };
  return {
    issuer,
    audience,
    resolver,
    seen,
    options: (overrides = {}) => ({ resolver, requireHttps: false, realm: 'test', ...overrides }),
    mint: (claims = {}) => mintToken(key, { issuer, audience }, claims),
  };
}
