import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** A real signing key pair with its public JWK, for minting test tokens. */
export interface TestSigningKey {
  /** The JWS algorithm the key signs with (`RS256`, `ES256`, …). */
  readonly alg: string;
  /** The key ID, in tokens' `kid` header and the public JWK. */
  readonly kid: string;
  /** The private half, to sign tokens. */
  readonly privateKey: CryptoKey;
  /** The public half, to verify them. */
  readonly publicKey: CryptoKey;
  /** The public half as a JWK, with `kid`, `alg` and `use: 'sig'`, for a JWK set. */
  readonly publicJwk: JWK;
}

/** Generates a fresh key pair for `alg` (RS256, PS256, ES256, ES384, ES512, EdDSA, …). */
export async function generateSigningKey(
  alg: string,
  kid: string = `${alg.toLowerCase()}-${randomId()}`,
): Promise<TestSigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, { extractable: true });
  const publicJwk = { ...(await exportJWK(publicKey)), kid, alg, use: 'sig' };
  return { alg, kid, privateKey, publicKey, publicJwk };
}

/** A JWK set holding the public halves of `keys`. */
export function jwksOf(...keys: readonly TestSigningKey[]): { keys: JWK[] } {
  return { keys: keys.map((key) => key.publicJwk) };
}

function randomId(): string {
  return crypto.randomUUID().slice(0, 8);
}
