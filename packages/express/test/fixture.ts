import {
  type AccessTokenResolver,
  jwtResolver,
  type ResourceServerOptions,
  type RsRequest,
  staticJwks,
} from '@rs/core';
import { generateSigningKey, jwksOf, mintToken } from '@rs/testkit';

const ISSUER = 'https://as.express.test';
const AUDIENCE = 'https://api.express.test';

/** A real key and resolver, recording every request that reaches the resolver. */
export interface TokenFixture {
  /** Resource-server options over HTTP (`requireHttps: false`) with the recording resolver. */
  options(overrides?: Partial<ResourceServerOptions>): ResourceServerOptions;
  token(claims?: Record<string, unknown>): Promise<string>;
  /** The requests the resolver saw, oldest first. */
  readonly seen: RsRequest[];
}

export async function tokenFixture(): Promise<TokenFixture> {
  const key = await generateSigningKey('ES256');
  const jwt = jwtResolver({ issuer: ISSUER, audience: AUDIENCE, keys: staticJwks(jwksOf(key)) });
  const seen: RsRequest[] = [];
  const resolver: AccessTokenResolver = {
    resolve(token, context) {
      seen.push(context.request);
      return jwt.resolve(token, context);
    },
  };
  return {
    seen,
    options: (overrides = {}) => ({ resolver, requireHttps: false, realm: 'test', ...overrides }),
    token: (claims = {}) => mintToken(key, { issuer: ISSUER, audience: AUDIENCE }, claims),
  };
}
