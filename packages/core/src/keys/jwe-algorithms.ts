/**
 * JWE key-management algorithms (`alg`) accepted by default. Left out: `RSA1_5` (a padding oracle, never
 * accepted) and PBES2 (password-based and costly by design: only when listed explicitly).
 */
export const DEFAULT_KEY_MANAGEMENT_ALGORITHMS = [
  'dir',
  'A128KW',
  'A192KW',
  'A256KW',
  'A128GCMKW',
  'A192GCMKW',
  'A256GCMKW',
  'RSA-OAEP',
  'RSA-OAEP-256',
  'RSA-OAEP-384',
  'RSA-OAEP-512',
  'ECDH-ES',
  'ECDH-ES+A128KW',
  'ECDH-ES+A192KW',
  'ECDH-ES+A256KW',
] as const;

/** Password-based key management: accepted only when listed in the allow-list. */
export const PBES2_ALGORITHMS = ['PBES2-HS256+A128KW', 'PBES2-HS384+A192KW', 'PBES2-HS512+A256KW'] as const;

/**
 * Most PBES2 iterations (`p2c`) a token may ask for. The token picks the count, so a forger would ask
 * for as many as the server pays for (up to 2^53, per key tried): a larger count is refused from the
 * header, before any key is looked up. 10 000 is jose's own default bound, stated here so that it holds
 * whatever jose's default becomes; issuers use 1 000 to 4 096 (RFC 7518 §4.8.1.2 asks for 1 000 or more).
 */
export const MAX_PBES2_COUNT = 10_000;

/** Every JWE key-management algorithm @rs can decrypt. `RSA1_5` is not one of them, and never will be. */
export const SUPPORTED_KEY_MANAGEMENT_ALGORITHMS: ReadonlySet<string> = new Set([
  ...DEFAULT_KEY_MANAGEMENT_ALGORITHMS,
  ...PBES2_ALGORITHMS,
]);

/** Content-encryption algorithms (`enc`), all accepted by default, with their key sizes in bytes. */
export const CONTENT_ENCRYPTION_KEY_BYTES: Readonly<Record<string, number>> = {
  'A128CBC-HS256': 32,
  'A192CBC-HS384': 48,
  'A256CBC-HS512': 64,
  A128GCM: 16,
  A192GCM: 24,
  A256GCM: 32,
};

/** The content-encryption algorithms @rs can decrypt. */
export const CONTENT_ENCRYPTION_ALGORITHMS: readonly string[] = Object.keys(CONTENT_ENCRYPTION_KEY_BYTES);

/**
 * Whether `alg` wraps the content key with a public key. Anyone holding that public key can encrypt a
 * token, so such a token proves nothing about who made it unless it carries a signed JWT inside.
 */
export function isPublicKeyEncryption(alg: string): boolean {
  return alg.startsWith('RSA-OAEP') || alg.startsWith('ECDH-ES');
}

/** The AES key size in bytes an AES key-wrap algorithm (`A128KW`, `A256GCMKW`, `ECDH-ES+A192KW`) needs. */
export function keyWrapBytes(alg: string): number | undefined {
  const match = /(?:^|\+)A(128|192|256)(?:GCM)?KW$/.exec(alg);
  return match === null ? undefined : Number(match[1]) / 8;
}
