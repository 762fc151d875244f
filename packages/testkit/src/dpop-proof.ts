import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK, SignJWT } from 'jose';

/** A DPoP key pair and helpers to prove possession of it (RFC 9449). */
export interface DpopKey {
  /** The public key, as a proof's `jwk` header carries it. */
  readonly publicJwk: JWK;
  /** RFC 7638 thumbprint of the public key: the token's `cnf.jkt`. */
  readonly thumbprint: string;
  /** A fresh proof for `method` and `url`, bound to `accessToken` through `ath` when given. */
  proof(method: string, url: string, accessToken?: string, extra?: Record<string, unknown>): Promise<string>;
}

/** Generates an ES256 DPoP key. */
export async function generateDpopKey(): Promise<DpopKey> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const publicJwk = await exportJWK(publicKey);
  const thumbprint = await calculateJwkThumbprint(publicJwk, 'sha256');
  return {
    publicJwk,
    thumbprint,
    async proof(method, url, accessToken, extra = {}) {
      const payload: Record<string, unknown> = { htm: method, htu: url, jti: crypto.randomUUID(), ...extra };
      if (accessToken !== undefined) payload.ath = await sha256Base64url(accessToken);
      return new SignJWT(payload)
        .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk })
        .setIssuedAt()
        .sign(privateKey);
    },
  };
}

async function sha256Base64url(text: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return Buffer.from(digest).toString('base64url');
}
