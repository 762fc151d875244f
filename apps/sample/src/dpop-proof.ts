import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { exportJWK, generateKeyPair, importJWK, type JWK, SignJWT } from 'jose';

/**
 * `node dist/dpop-proof.js <METHOD> <URL> [access-token]`: prints a DPoP proof (RFC 9449) for one
 * request, signed with the ES256 key in `DPOP_KEY_FILE` (default `dpop-key.json`), created on first use.
 * With the access token, the proof carries its hash (`ath`), as a resource server requires; without, it
 * is a proof for the token endpoint. Each run makes a new proof: a resource server accepts one only once.
 */
export const USAGE = 'usage: node apps/sample/dist/dpop-proof.js <METHOD> <URL> [access-token]';

export async function dpopProof(method: string, url: string, keyFile: string, accessToken?: string) {
  const privateJwk = await loadOrCreateKey(keyFile);
  const { d: _private, ...publicJwk } = privateJwk;
  const payload: Record<string, unknown> = { htm: method.toUpperCase(), htu: url, jti: randomUUID() };
  if (accessToken !== undefined) payload.ath = createHash('sha256').update(accessToken).digest('base64url');
  return new SignJWT(payload)
    .setProtectedHeader({ alg: 'ES256', typ: 'dpop+jwt', jwk: publicJwk })
    .setIssuedAt()
    .sign(await importJWK(privateJwk, 'ES256'));
}

async function loadOrCreateKey(keyFile: string): Promise<JWK> {
  if (existsSync(keyFile)) return JSON.parse(readFileSync(keyFile, 'utf8')) as JWK;
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  // The private key proves possession of every token bound to it: readable by its owner only.
  writeFileSync(keyFile, `${JSON.stringify(jwk)}\n`, { mode: 0o600 });
  return jwk;
}

const [method, url, accessToken] = process.argv.slice(2);
if (process.argv[1]?.endsWith('dpop-proof.js')) {
  if (method === undefined || url === undefined || !URL.canParse(url)) {
    console.error(USAGE);
    process.exit(2);
  }
  dpopProof(method, url, process.env.DPOP_KEY_FILE ?? 'dpop-key.json', accessToken).then(
    (proof) => console.log(proof),
    (error: unknown) => {
      console.error('dpop-proof:', error instanceof Error ? error.message : error);
      process.exit(1);
    },
  );
}
