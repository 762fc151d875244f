import { exportJWK, generateKeyPair, type JWK } from 'jose';

/** A real signing key pair with its public JWK, for minting test tokens. */
export interface TestSigningKey {
  readonly alg: string;
  readonly kid: string;
  readonly privateKey: CryptoKey;
  readonly publicKey: CryptoKey;
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
