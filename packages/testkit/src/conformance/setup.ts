import { type AccessTokenResolver, jwtResolver, type ResourceServerOptions, staticJwks } from '@rs/core';
import { afterAll, beforeAll } from 'vitest';
import { generateSigningKey, jwksOf } from '../keys.js';
import { mintToken } from '../tokens.js';
import type {
  ConformanceApp,
  ConformanceDriver,
  ConformanceOptions,
  ConformanceRoute,
  ConformanceServerTls,
} from './driver.js';
import { CONFORMANCE_ROUTES } from './driver.js';

const ISSUER = 'https://as.conformance.test';
const AUDIENCE = 'https://api.conformance.test';

/** The authorization server of one group of cases: a signing key, its resolver and its tokens. */
export interface ConformanceIssuer {
  readonly resolver: AccessTokenResolver;
  /** An RFC 9068 access token valid now; claims given override the defaults. */
  mint(claims?: Record<string, unknown>): Promise<string>;
}

export async function conformanceIssuer(): Promise<ConformanceIssuer> {
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

/** The options every conformance app shares, beside the case's own. */
/** The public URL the DPoP cases give adapters (required with DPoP). */
export const CONFORMANCE_PUBLIC_URL = 'https://api.conformance.test';

export function conformanceOptions(
  resolver: AccessTokenResolver,
  overrides: Partial<ResourceServerOptions> = {},
): ResourceServerOptions {
  return { resolver, realm: 'conformance', requireHttps: false, ...overrides };
}

/**
 * Starts an app through the driver before the group's cases and closes it after them; the returned
 * function hands it to the cases.
 */
export function useConformanceApp(
  driver: ConformanceDriver,
  options: () => ConformanceOptions | Promise<ConformanceOptions>,
  tls?: () => ConformanceServerTls,
  routes: readonly ConformanceRoute[] = CONFORMANCE_ROUTES,
): () => ConformanceApp {
  let app: ConformanceApp | undefined;
  beforeAll(async () => {
    app = await driver.start(await options(), routes, tls?.());
  });
  afterAll(async () => {
    await app?.close();
  });
  return () => {
    if (app === undefined) throw new Error('the conformance app did not start');
    return app;
  };
}
