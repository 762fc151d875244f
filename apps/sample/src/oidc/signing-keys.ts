import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';

/** The algorithms the embedded authorization server signs with: ES256 for access tokens, RS256 as OIDC's default. */
const ALGORITHMS = ['ES256', 'RS256'] as const;

/**
 * Fresh private signing keys, one per algorithm, as a JWK set for oidc-provider. Generated at every start so
 * the sample never ships a private key; tokens from a previous run therefore fail with `unknown_key`.
 */
export async function generateSigningKeys(): Promise<{ keys: JWK[] }> {
  const keys = await Promise.all(
    ALGORITHMS.map(async (alg) => {
      const { privateKey } = await generateKeyPair(alg, { extractable: true });
      const jwk = await exportJWK(privateKey);
      return { ...jwk, alg, use: 'sig', kid: await calculateJwkThumbprint(jwk) };
    }),
  );
  return { keys };
}
